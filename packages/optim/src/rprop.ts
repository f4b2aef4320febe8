import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@descent/core';
import { Optimizer, type BaseOptions, type ParamGroup, type Params, type StepEntry } from './optimizer.js';
import { applyComposite, checkNoFusedKernel } from './composite-step.js';
import { rpropUpdate } from './functional/rprop.js';
import { checkLr } from './validate.js';

export interface RpropOptions extends BaseOptions {
  /** `[etaminus, etaplus]`: the step size's decrease and increase factors (default [0.5, 1.2]). */
  etas: [number, number];
  /** `[min, max]` step size (default [1e-6, 50]). */
  stepSizes: [number, number];
  maximize: boolean;
}

/**
 * torch.optim.Rprop (1.13), resilient backpropagation: per-element step sizes
 * adapted from the sign of successive gradients; meant for full-batch training.
 */
export class Rprop extends Optimizer<RpropOptions> {
  static className = 'Descent.Rprop';
  /** No fused kernel yet: the update runs as composite tfjs ops (`fused: true` throws). */
  static readonly fusedKernels = false;

  constructor(params?: Params<RpropOptions>, options: Partial<RpropOptions> = {}) {
    super(params, { lr: 1e-2, etas: [0.5, 1.2], stepSizes: [1e-6, 50], maximize: false, fused: null, ...options });
  }

  protected validate(o: Partial<RpropOptions>): void {
    checkLr(o.lr);
    if (o.etas !== undefined) {
      const [minus, plus] = Array.isArray(o.etas) ? o.etas : [NaN, NaN];
      if (!(0 < minus && minus < 1 && 1 < plus)) throw new InvalidArgumentError('etas', o.etas, `Invalid eta values: ${minus}, ${plus}`);
    }
    if (o.stepSizes !== undefined) {
      const ok = Array.isArray(o.stepSizes) && o.stepSizes.length === 2 && o.stepSizes.every((x) => typeof x === 'number' && !Number.isNaN(x));
      if (!ok) throw new InvalidArgumentError('stepSizes', o.stepSizes, `Invalid step_sizes: ${JSON.stringify(o.stepSizes)} (expected [min, max])`);
    }
    checkNoFusedKernel('Rprop', o.fused);
  }

  protected stepGroup(group: ParamGroup<RpropOptions>, entries: StepEntry[]): void {
    const [etaminus, etaplus] = group.etas;
    const [stepSizeMin, stepSizeMax] = group.stepSizes;
    const config = { etaminus, etaplus, stepSizeMin, stepSizeMax, maximize: group.maximize };
    for (const e of entries) {
      const s = e.state;
      if (s.step === undefined) {
        s.step = 0;
        s.prev = tf.keep(tf.zerosLike(e.param));
        s.stepSize = tf.keep(tf.fill(e.param.shape, group.lr, 'float32'));
      }
      s.step = (s.step as number) + 1;
      applyComposite(e, (state) => rpropUpdate(e.param, e.grad, state.prev as tf.Tensor, state.stepSize as tf.Tensor, config));
    }
  }
}
