import type * as tf from '@tensorflow/tfjs-core';
import type { AttrsOf, fusedOps } from '@descent/core';
import { Optimizer, type BaseOptions, type ParamGroup, type Params, type StepEntry } from './optimizer.js';
import { adamAmsgradStep, adamStep } from './ops/adam.js';
import { checkBetas, checkEps, checkLr, checkRange } from './validate.js';

export interface AdamOptions extends BaseOptions {
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

/**
 * The attributes of one Adam/AdamW update at `step` (1-based): float64 scalars,
 * as torch computes them in Python. `decoupled` is AdamW's weight decay.
 */
export function adamAttrs(
  o: Pick<AdamOptions, 'lr' | 'betas' | 'eps' | 'weightDecay' | 'maximize'>,
  step: number,
  decoupled: boolean,
): AttrsOf<typeof fusedOps.AdamStep> {
  const [beta1, beta2] = o.betas;
  return {
    maximize: o.maximize,
    weightDecay: decoupled ? 0 : o.weightDecay,
    paramScale: decoupled ? 1 - o.lr * o.weightDecay : 1,
    beta1,
    oneMinusBeta1: 1 - beta1,
    beta2,
    oneMinusBeta2: 1 - beta2,
    eps: o.eps,
    stepSize: o.lr / (1 - beta1 ** step),
    biasCorrection2Sqrt: Math.sqrt(1 - beta2 ** step),
  };
}

abstract class AdamBase extends Optimizer<AdamOptions> {
  protected abstract readonly decoupled: boolean;

  protected validate(o: Partial<AdamOptions>): void {
    checkLr(o.lr);
    checkEps(o.eps);
    checkBetas(o.betas);
    checkRange('weightDecay', 'weight_decay', o.weightDecay);
  }

  protected stepGroup(group: ParamGroup<AdamOptions>, entries: StepEntry[]): void {
    const { amsgrad } = group;
    for (const e of entries) {
      const s = e.state;
      if (s.step === undefined) {
        s.step = 0;
        this.ensureTensor(s, 'expAvg', e.param);
        this.ensureTensor(s, 'expAvgSq', e.param);
        if (amsgrad) this.ensureTensor(s, 'maxExpAvgSq', e.param);
      }
      const step = (s.step as number) + 1;
      s.step = step;
      const attrs = adamAttrs(group, step, this.decoupled);
      const base = () => ({ param: e.param, grad: e.grad, expAvg: s.expAvg as tf.Tensor, expAvgSq: s.expAvgSq as tf.Tensor });
      if (amsgrad) {
        this.ensureTensor(s, 'maxExpAvgSq', e.param);
        this.runUpdate(adamAmsgradStep, group, e, () => ({ ...base(), maxExpAvgSq: s.maxExpAvgSq as tf.Tensor }), attrs, ['expAvg', 'expAvgSq', 'maxExpAvgSq']);
      } else {
        this.runUpdate(adamStep, group, e, base, attrs, ['expAvg', 'expAvgSq']);
      }
    }
  }
}

const adamDefaults = (weightDecay: number, options: Partial<AdamOptions>): AdamOptions => ({
  lr: 1e-3,
  betas: [0.9, 0.999],
  eps: 1e-8,
  weightDecay,
  amsgrad: false,
  maximize: false,
  fused: null,
  ...options,
});

/** torch.optim.Adam (1.13): L2 weight decay added to the gradient. */
export class Adam extends AdamBase {
  static className = 'Descent.Adam';
  protected readonly decoupled = false;

  constructor(params?: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, adamDefaults(0, options));
  }
}

/** torch.optim.AdamW (1.13): decoupled weight decay, default 1e-2. */
export class AdamW extends AdamBase {
  static className = 'Descent.AdamW';
  protected readonly decoupled = true;

  constructor(params?: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, adamDefaults(1e-2, options));
  }
}
