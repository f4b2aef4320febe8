import * as tf from '@tensorflow/tfjs-core';
import type { AttrsOf, fusedOps } from '@descent/core';
import { Optimizer, type BaseOptions, type ParamGroup, type Params, type StepEntry } from './optimizer.js';
import { asgdSchedule } from './functional/asgd.js';
import { asgdStep } from './ops/asgd.js';
import { checkLr, checkRange } from './validate.js';

export interface ASGDOptions extends BaseOptions {
  /** Decay term (default 1e-4). */
  lambd: number;
  /** Power of the `eta` update (default 0.75). */
  alpha: number;
  /** The step at which averaging starts (default 1e6). */
  t0: number;
  weightDecay: number;
  maximize: boolean;
}

/** The attributes of an ASGD update with the parameter's float32 `eta` and `mu` (torch's 0-dim tensors). */
export function asgdAttrs(o: Pick<ASGDOptions, 'lambd' | 'weightDecay' | 'maximize'>, eta: number, mu: number): AttrsOf<typeof fusedOps.AsgdStep> {
  return { maximize: o.maximize, weightDecay: o.weightDecay, paramScale: 1 - o.lambd * eta, eta, mu, average: mu !== 1 };
}

/**
 * torch.optim.ASGD (1.13): averaged SGD. Each parameter's state holds `step`,
 * its learning rate `eta`, the averaging weight `mu` (float32 numbers, as torch's
 * 0-dim tensors) and `ax`, the running average of the parameter, which is what
 * ASGD's theory evaluates: read it from `optimizer.state.get(param).ax`.
 */
export class ASGD extends Optimizer<ASGDOptions> {
  static className = 'Descent.ASGD';
  constructor(params?: Params<ASGDOptions>, options: Partial<ASGDOptions> = {}) {
    super(params, { lr: 1e-2, lambd: 1e-4, alpha: 0.75, t0: 1e6, weightDecay: 0, maximize: false, fused: null, ...options });
  }

  protected validate(o: Partial<ASGDOptions>): void {
    checkLr(o.lr);
    checkRange('weightDecay', 'weight_decay', o.weightDecay);
  }

  protected stepGroup(group: ParamGroup<ASGDOptions>, entries: StepEntry[]): void {
    const { lr, lambd, alpha, t0 } = group;
    for (const e of entries) {
      const s = e.state;
      if (s.step === undefined) {
        s.step = 0;
        s.eta = Math.fround(lr);
        s.mu = 1;
        s.ax = tf.keep(tf.zerosLike(e.param));
      }
      const step = (s.step as number) + 1;
      s.step = step;
      this.runUpdate(asgdStep, group, e, () => ({ param: e.param, grad: e.grad, ax: s.ax as tf.Tensor }), asgdAttrs(group, s.eta as number, s.mu as number), ['ax']);
      Object.assign(s, asgdSchedule(step, { lr, lambd, alpha, t0 }));
    }
  }
}
