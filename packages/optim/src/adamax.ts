import type * as tf from '@tensorflow/tfjs-core';
import type { AttrsOf, fusedOps } from '@descent/core';
import { Optimizer, type BaseOptions, type ParamGroup, type Params, type StepEntry } from './optimizer.js';
import { adamaxStep } from './ops/adamax.js';
import { checkBetas, checkEps, checkLr, checkRange } from './validate.js';

export interface AdamaxOptions extends BaseOptions {
  betas: [number, number];
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

/** The attributes of an Adamax update at the parameter's step `step` (1-based). */
export function adamaxAttrs(o: Pick<AdamaxOptions, 'lr' | 'betas' | 'eps' | 'weightDecay' | 'maximize'>, step: number): AttrsOf<typeof fusedOps.AdamaxStep> {
  const [beta1, beta2] = o.betas;
  return { beta1, oneMinusBeta1: 1 - beta1, beta2, eps: o.eps, weightDecay: o.weightDecay, clr: o.lr / (1 - beta1 ** step), maximize: o.maximize };
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
    for (const e of entries) {
      const s = e.state;
      if (s.step === undefined) s.step = 0;
      this.ensureTensor(s, 'expAvg', e.param);
      this.ensureTensor(s, 'expInf', e.param);
      const step = (s.step as number) + 1;
      s.step = step;
      const attrs = adamaxAttrs(group, step);
      const inputs = () => ({ param: e.param, grad: e.grad, expAvg: s.expAvg as tf.Tensor, expInf: s.expInf as tf.Tensor });
      this.runUpdate(adamaxStep, group, e, inputs, attrs, ['expAvg', 'expInf']);
    }
  }
}
