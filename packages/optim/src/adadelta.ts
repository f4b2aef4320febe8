import type * as tf from '@tensorflow/tfjs-core';
import type { AttrsOf, fusedOps } from '@descent/core';
import { Optimizer, type BaseOptions, type ParamGroup, type Params, type StepEntry } from './optimizer.js';
import { adadeltaStep } from './ops/adadelta.js';
import { checkEps, checkLr, checkRange } from './validate.js';

export interface AdadeltaOptions extends BaseOptions {
  rho: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

/** The attributes of an Adadelta update. */
export function adadeltaAttrs(o: Pick<AdadeltaOptions, 'lr' | 'rho' | 'eps' | 'weightDecay' | 'maximize'>): AttrsOf<typeof fusedOps.AdadeltaStep> {
  return { lr: o.lr, rho: o.rho, oneMinusRho: 1 - o.rho, eps: o.eps, weightDecay: o.weightDecay, maximize: o.maximize };
}

/** torch.optim.Adadelta (1.13). */
export class Adadelta extends Optimizer<AdadeltaOptions> {
  static className = 'Descent.Adadelta';

  constructor(params?: Params<AdadeltaOptions>, options: Partial<AdadeltaOptions> = {}) {
    super(params, { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false, fused: null, ...options });
  }

  protected validate(o: Partial<AdadeltaOptions>): void {
    checkLr(o.lr);
    checkRange('rho', 'rho', o.rho, 1);
    checkEps(o.eps);
    checkRange('weightDecay', 'weight_decay', o.weightDecay);
  }

  protected stepGroup(group: ParamGroup<AdadeltaOptions>, entries: StepEntry[]): void {
    const attrs = adadeltaAttrs(group);
    for (const e of entries) {
      const s = e.state;
      if (s.step === undefined) s.step = 0;
      s.step = (s.step as number) + 1;
      this.ensureTensor(s, 'squareAvg', e.param);
      this.ensureTensor(s, 'accDelta', e.param);
      const inputs = () => ({ param: e.param, grad: e.grad, squareAvg: s.squareAvg as tf.Tensor, accDelta: s.accDelta as tf.Tensor });
      this.runUpdate(adadeltaStep, group, e, inputs, attrs, ['squareAvg', 'accDelta']);
    }
  }
}
