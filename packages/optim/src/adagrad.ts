import type * as tf from '@tensorflow/tfjs-core';
import type { AttrsOf, fusedOps } from '@descent/core';
import { Optimizer, type BaseOptions, type ParamGroup, type Params, type StepEntry } from './optimizer.js';
import { adagradStep } from './ops/adagrad.js';
import { checkEps, checkLr, checkRange } from './validate.js';

export interface AdagradOptions extends BaseOptions {
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}

/** The attributes of an Adagrad update at the parameter's step `step` (1-based). */
export function adagradAttrs(o: Pick<AdagradOptions, 'lr' | 'lrDecay' | 'weightDecay' | 'eps' | 'maximize'>, step: number): AttrsOf<typeof fusedOps.AdagradStep> {
  return { clr: o.lr / (1 + (step - 1) * o.lrDecay), weightDecay: o.weightDecay, eps: o.eps, maximize: o.maximize };
}

/**
 * torch.optim.Adagrad (1.13), dense gradients. As in torch, the accumulators start
 * at the constructor's `initialAccumulatorValue` (a group's own value is ignored).
 */
export class Adagrad extends Optimizer<AdagradOptions> {
  static className = 'Descent.Adagrad';

  constructor(params?: Params<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    super(params, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false, fused: null, ...options });
  }

  protected validate(o: Partial<AdagradOptions>): void {
    checkLr(o.lr);
    checkRange('lrDecay', 'lr_decay', o.lrDecay);
    checkRange('weightDecay', 'weight_decay', o.weightDecay);
    checkRange('initialAccumulatorValue', 'initial_accumulator_value', o.initialAccumulatorValue);
    checkEps(o.eps);
  }

  protected stepGroup(group: ParamGroup<AdagradOptions>, entries: StepEntry[]): void {
    for (const e of entries) {
      const s = e.state;
      if (s.step === undefined) s.step = 0;
      // torch 1.13 fills every sum from the constructor's value, not the group's.
      this.ensureTensor(s, 'sum', e.param, this.defaults.initialAccumulatorValue);
      const step = (s.step as number) + 1;
      s.step = step;
      const attrs = adagradAttrs(group, step);
      this.runUpdate(adagradStep, group, e, () => ({ param: e.param, grad: e.grad, sum: s.sum as tf.Tensor }), attrs, ['sum']);
    }
  }
}
