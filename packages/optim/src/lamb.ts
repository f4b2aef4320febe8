import * as tf from '@tensorflow/tfjs-core';
import type { AttrsOf, fusedOps } from '@descent/core';
import { Optimizer, type BaseOptions, type ParamGroup, type Params, type StepEntry } from './optimizer.js';
import { lambStep } from './ops/lamb.js';
import { checkBetas, checkEps, checkLr, checkRange } from './validate.js';

export interface LambOptions extends BaseOptions {
  biasCorrection: boolean;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  gradAveraging: boolean;
  /** Clip the global gradient norm to this (`null`: no clipping). Read from the defaults, as timm does. */
  maxGradNorm: number | null;
  trustClip: boolean;
  alwaysAdapt: boolean;
  /** The group's step count (timm keeps it per group); set by the optimizer. */
  step?: number;
}

/** The attributes of a LAMB update at group step `step` (1-based). */
export function lambAttrs(
  o: Pick<LambOptions, 'lr' | 'betas' | 'eps' | 'weightDecay' | 'gradAveraging' | 'biasCorrection' | 'alwaysAdapt' | 'trustClip'>,
  step: number,
): AttrsOf<typeof fusedOps.LambStep> {
  const [beta1, beta2] = o.betas;
  return {
    lr: o.lr,
    beta1,
    beta3: o.gradAveraging ? 1 - beta1 : 1,
    beta2,
    oneMinusBeta2: 1 - beta2,
    eps: o.eps,
    biasCorrection1: o.biasCorrection ? 1 - beta1 ** step : 1,
    biasCorrection2Sqrt: o.biasCorrection ? Math.sqrt(1 - beta2 ** step) : 1,
    weightDecay: o.weightDecay,
    adapt: o.weightDecay !== 0 || o.alwaysAdapt,
    trustClip: o.trustClip,
  };
}

/**
 * LAMB as timm's `Lamb` (timm/optim/lamb.py): Adam moments with bias
 * correction, global gradient-norm clipping, and a layer-wise trust ratio
 * `‖p‖ / ‖update‖` for parameters with weight decay (or all, with `alwaysAdapt`).
 */
export class Lamb extends Optimizer<LambOptions> {
  static className = 'Descent.Lamb';
  private gradDivisor: tf.Scalar | null = null;

  constructor(params?: Params<LambOptions>, options: Partial<LambOptions> = {}) {
    super(params, {
      lr: 1e-3,
      biasCorrection: true,
      betas: [0.9, 0.999],
      eps: 1e-6,
      weightDecay: 0.01,
      gradAveraging: true,
      maxGradNorm: 1.0,
      trustClip: false,
      alwaysAdapt: false,
      fused: null,
      ...options,
    });
  }

  protected validate(o: Partial<LambOptions>): void {
    checkLr(o.lr);
    checkEps(o.eps);
    checkBetas(o.betas);
    checkRange('weightDecay', 'weight_decay', o.weightDecay);
  }

  protected override beforeStep(grads: tf.NamedTensorMap): void {
    this.gradDivisor?.dispose();
    const maxGradNorm = this.defaults.maxGradNorm;
    const present = this.allParams()
      .map((p) => grads[p.name])
      .filter((g): g is tf.Tensor => g != null);
    this.gradDivisor = tf.tidy(() => {
      if (maxGradNorm == null || present.length === 0) return tf.scalar(1);
      const total = tf.sqrt(tf.addN(present.map((g) => tf.sum(tf.square(g)))));
      return tf.maximum(tf.div(total, maxGradNorm), 1) as tf.Scalar;
    });
  }

  protected stepGroup(group: ParamGroup<LambOptions>, entries: StepEntry[]): void {
    group.step = (group.step ?? 0) + 1;
    if (entries.length === 0) return;
    const attrs = lambAttrs(group, group.step);
    const divisor = this.gradDivisor!;
    for (const e of entries) {
      const s = e.state;
      this.ensureTensor(s, 'expAvg', e.param);
      this.ensureTensor(s, 'expAvgSq', e.param);
      const inputs = () => ({ param: e.param, grad: e.grad, expAvg: s.expAvg as tf.Tensor, expAvgSq: s.expAvgSq as tf.Tensor, gradDivisor: divisor });
      this.runUpdate(lambStep, group, e, inputs, attrs, ['expAvg', 'expAvgSq']);
    }
  }

  override dispose(): void {
    this.gradDivisor?.dispose();
    this.gradDivisor = null;
    super.dispose();
  }
}
