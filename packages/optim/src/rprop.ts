import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, type AttrsOf, type fusedOps } from '@descent/core';
import { Optimizer, type BaseOptions, type ParamGroup, type Params, type StepEntry } from './optimizer.js';
import { rpropStep } from './ops/rprop.js';
import { checkLr } from './validate.js';

export interface RpropOptions extends BaseOptions {
  /** `[etaminus, etaplus]`: the step size's decrease and increase factors (default [0.5, 1.2]). */
  etas: [number, number];
  /** `[min, max]` step size (default [1e-6, 50]). */
  stepSizes: [number, number];
  maximize: boolean;
}

/** The attributes of an Rprop update. */
export function rpropAttrs(o: Pick<RpropOptions, 'etas' | 'stepSizes' | 'maximize'>): AttrsOf<typeof fusedOps.RpropStep> {
  const [etaminus, etaplus] = o.etas;
  const [stepSizeMin, stepSizeMax] = o.stepSizes;
  return { etaminus, etaplus, stepSizeMin, stepSizeMax, maximize: o.maximize };
}

/**
 * torch.optim.Rprop (1.13), resilient backpropagation: per-element step sizes
 * adapted from the sign of successive gradients; meant for full-batch training.
 */
export class Rprop extends Optimizer<RpropOptions> {
  static className = 'Descent.Rprop';

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
  }

  protected stepGroup(group: ParamGroup<RpropOptions>, entries: StepEntry[]): void {
    const attrs = rpropAttrs(group);
    for (const e of entries) {
      const s = e.state;
      if (s.step === undefined) {
        s.step = 0;
        s.prev = tf.keep(tf.zerosLike(e.param));
        s.stepSize = tf.keep(tf.fill(e.param.shape, group.lr, 'float32'));
      }
      s.step = (s.step as number) + 1;
      const inputs = () => ({ param: e.param, grad: e.grad, prev: s.prev as tf.Tensor, stepSize: s.stepSize as tf.Tensor });
      this.runUpdate(rpropStep, group, e, inputs, attrs, ['prev', 'stepSize']);
    }
  }
}
