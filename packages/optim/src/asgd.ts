import * as tf from '@tensorflow/tfjs-core';
import { Optimizer, type BaseOptions, type ParamGroup, type Params, type StepEntry } from './optimizer.js';
import { applyComposite, checkNoFusedKernel } from './composite-step.js';
import { asgdSchedule, asgdUpdate } from './functional/asgd.js';
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

/**
 * torch.optim.ASGD (1.13): averaged SGD. Each parameter's state holds `step`,
 * its learning rate `eta`, the averaging weight `mu` (float32 numbers, as torch's
 * 0-dim tensors) and `ax`, the running average of the parameter, which is what
 * ASGD's theory evaluates: read it from `optimizer.state.get(param).ax`.
 */
export class ASGD extends Optimizer<ASGDOptions> {
  static className = 'Descent.ASGD';
  /** No fused kernel yet: the update runs as composite tfjs ops (`fused: true` throws). */
  static readonly fusedKernels = false;

  constructor(params?: Params<ASGDOptions>, options: Partial<ASGDOptions> = {}) {
    super(params, { lr: 1e-2, lambd: 1e-4, alpha: 0.75, t0: 1e6, weightDecay: 0, maximize: false, fused: null, ...options });
  }

  protected validate(o: Partial<ASGDOptions>): void {
    checkLr(o.lr);
    checkRange('weightDecay', 'weight_decay', o.weightDecay);
    checkNoFusedKernel('ASGD', o.fused);
  }

  protected stepGroup(group: ParamGroup<ASGDOptions>, entries: StepEntry[]): void {
    const { lr, lambd, alpha, t0, weightDecay, maximize } = group;
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
      const config = { step, eta: s.eta as number, mu: s.mu as number, lambd, weightDecay, maximize };
      applyComposite(e, (state) => asgdUpdate(e.param, e.grad, state.ax as tf.Tensor, config));
      Object.assign(s, asgdSchedule(step, { lr, lambd, alpha, t0 }));
    }
  }
}
