import type * as tf from '@tensorflow/tfjs-core';
import { Optimizer, type BaseOptions, type ParamGroup, type Params, type StepEntry } from './optimizer.js';
import { adamaxStep } from './ops/adamax.js';
import { checkBetas, checkEps, checkLr, checkRange } from './validate.js';

export interface AdamaxOptions extends BaseOptions {
  betas: [number, number];
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

/** torch.optim.Adamax (1.13). */
export class Adamax extends Optimizer<AdamaxOptions> {
  static className = 'Descent.Adamax';

  constructor(params?: Params<AdamaxOptions>, options: Partial<AdamaxOptions> = {}) {
    super(params, { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false, fused: null, ...options });
  }

  protected validate(o: Partial<AdamaxOptions>): void {
    checkLr(o.lr);
    checkEps(o.eps);
    checkBetas(o.betas);
    checkRange('weightDecay', 'weight_decay', o.weightDecay);
  }

  protected stepGroup(group: ParamGroup<AdamaxOptions>, entries: StepEntry[]): void {
    const [beta1, beta2] = group.betas;
    for (const e of entries) {
      const s = e.state;
      if (s.step === undefined) s.step = 0;
      this.ensureTensor(s, 'expAvg', e.param);
      this.ensureTensor(s, 'expInf', e.param);
      const step = (s.step as number) + 1;
      s.step = step;
      const attrs = {
        beta1,
        oneMinusBeta1: 1 - beta1,
        beta2,
        eps: group.eps,
        weightDecay: group.weightDecay,
        clr: group.lr / (1 - beta1 ** step),
        maximize: group.maximize,
      };
      const inputs = () => ({ param: e.param, grad: e.grad, expAvg: s.expAvg as tf.Tensor, expInf: s.expInf as tf.Tensor });
      this.runUpdate(adamaxStep, group, e, inputs, attrs, ['expAvg', 'expInf']);
    }
  }
}
