import * as tf from '@tensorflow/tfjs-core';
import { DescentError, InvalidArgumentError, type AttrsOf, type fusedOps } from '@descent/core';
import { Optimizer, type BaseOptions, type ParamGroup, type Params, type StepEntry } from './optimizer.js';
import { scheduleFreeScalars, scheduleFreeSwitch, type ScheduleFreeScalars } from './functional/schedule-free.js';
import { scheduleFreeAdamWMomentumStep, scheduleFreeAdamWStep } from './ops/schedule-free.js';
import { checkBetas, checkEps, checkLr, checkRange } from './validate.js';

export interface AdamWScheduleFreeOptions extends BaseOptions {
  /** `[β₁, β₂]`: β₁ interpolates between the average and the base sequence, β₂ is Adam's (default [0.9, 0.999]). */
  betas: [number, number];
  eps: number;
  /** Weight decay, computed at `y` (default 0). */
  weightDecay: number;
  /** A linear learning-rate warmup over this many steps, in place of a schedule (default 0). */
  warmupSteps: number;
  /** Polynomial weighting of the average, `(k+1)^r` (default 0). */
  r: number;
  /** During warmup the average weighs each iterate by `lrMax^weightLrPower` (default 2). */
  weightLrPower: number;
  /** An EMA of the gradient inside the AdamW update, bias-corrected (default 0: none, no buffer). */
  innerMomentum: number;
  /** The group's step count, kept per group as the reference does. Set by the optimizer. */
  k: number;
  /** Whether the parameters hold `y` (train) or `x` (eval). Set by `train()` / `eval()`. */
  trainMode: boolean;
  /** The sum of the average's weights so far. Set by the optimizer. */
  weightSum: number;
  /** The largest warmed-up learning rate so far (−1 before the first step). Set by the optimizer. */
  lrMax: number;
  /** The last step's warmed-up learning rate, for logging. Set by the optimizer. */
  scheduledLr: number;
}

/** The attributes of a schedule-free AdamW update (`ScheduleFreeAdamWStep`) from a group's step scalars. */
export function scheduleFreeAttrs(
  o: Pick<AdamWScheduleFreeOptions, 'betas' | 'eps' | 'weightDecay'>,
  s: ScheduleFreeScalars,
): AttrsOf<typeof fusedOps.ScheduleFreeAdamWStep> {
  const [beta1, beta2] = o.betas;
  return {
    beta2,
    oneMinusBeta2: 1 - beta2,
    biasCorrection2: s.biasCorrection2,
    eps: o.eps,
    weightDecay: o.weightDecay,
    ckp1: s.ckp1,
    yCoef: s.lr * (beta1 * (1 - s.ckp1) - 1),
    lr: s.lr,
  };
}

/** The same with the inner momentum's, for `ScheduleFreeAdamWMomentumStep` (`innerMomentum > 0`). */
export function scheduleFreeMomentumAttrs(
  o: Pick<AdamWScheduleFreeOptions, 'betas' | 'eps' | 'weightDecay' | 'innerMomentum'>,
  s: ScheduleFreeScalars,
): AttrsOf<typeof fusedOps.ScheduleFreeAdamWMomentumStep> {
  return { ...scheduleFreeAttrs(o, s), innerMomentum: o.innerMomentum, oneMinusInnerMomentum: 1 - o.innerMomentum, biasCorrection1: s.biasCorrection1 };
}

/** The reference's message, word for word. */
export const NOT_IN_TRAIN_MODE =
  'Optimizer was not in train mode when step is called. Please insert .train() and .eval() calls on the optimizer. See documentation for details.';

/**
 * Schedule-free AdamW (Defazio et al. 2024, "The Road Less Scheduled"), as
 * facebookresearch/schedule_free's `AdamWScheduleFree` (the algorithm optax's
 * `schedule_free_adamw` wraps): no learning-rate schedule; the parameters hold the
 * point `y` where gradients are taken, and `eval()` switches them to the average
 * `x` for evaluation (and for saving), `train()` back. As in the reference, a new
 * optimizer starts in eval mode: call `train()` before the first step, `eval()`
 * before evaluating, and `train()` again to resume.
 */
export class AdamWScheduleFree extends Optimizer<AdamWScheduleFreeOptions> {
  static className = 'Descent.AdamWScheduleFree';

  constructor(params?: Params<AdamWScheduleFreeOptions>, options: Partial<AdamWScheduleFreeOptions> = {}) {
    super(params, {
      lr: 0.0025,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      warmupSteps: 0,
      r: 0,
      weightLrPower: 2,
      innerMomentum: 0,
      k: 0,
      trainMode: false,
      weightSum: 0,
      lrMax: -1,
      scheduledLr: 0,
      fused: null,
      ...options,
    });
  }

  protected validate(o: Partial<AdamWScheduleFreeOptions>): void {
    // The reference checks nothing; these are torch.optim.AdamW's checks and words.
    checkLr(o.lr);
    checkEps(o.eps);
    checkBetas(o.betas);
    checkRange('weightDecay', 'weight_decay', o.weightDecay);
    if (o.warmupSteps !== undefined && !(Number.isInteger(o.warmupSteps) && o.warmupSteps >= 0)) {
      throw new InvalidArgumentError('warmupSteps', o.warmupSteps, `Invalid warmup_steps value: ${o.warmupSteps} (expected an integer >= 0)`);
    }
    checkRange('innerMomentum', 'inner_momentum', o.innerMomentum, 1);
  }

  /** The reference checks the first group's mode before anything. */
  protected override beforeStep(): void {
    if (!this.paramGroups[0]?.trainMode) throw new DescentError(NOT_IN_TRAIN_MODE);
  }

  protected stepGroup(group: ParamGroup<AdamWScheduleFreeOptions>, entries: StepEntry[]): void {
    const scalars = scheduleFreeScalars(group.k, group);
    group.scheduledLr = scalars.lr;
    group.lrMax = scalars.lrMax;
    group.weightSum = scalars.weightSum;
    const momentum = group.innerMomentum !== 0;
    const plain = momentum ? undefined : scheduleFreeAttrs(group, scalars);
    const full = momentum ? scheduleFreeMomentumAttrs(group, scalars) : undefined;
    for (const e of entries) {
      const s = e.state;
      if (!(s.z instanceof tf.Tensor)) {
        s.z = tf.keep(tf.clone(e.param));
        s.expAvgSq = tf.keep(tf.zerosLike(e.param));
      }
      if (momentum && !(s.expAvg instanceof tf.Tensor)) s.expAvg = tf.keep(tf.zerosLike(e.param));
      const base = { param: e.param, grad: e.grad, z: s.z as tf.Tensor, expAvgSq: s.expAvgSq as tf.Tensor };
      if (momentum) {
        this.runUpdate(scheduleFreeAdamWMomentumStep, group, e, () => ({ ...base, expAvg: s.expAvg as tf.Tensor }), full!, ['z', 'expAvgSq', 'expAvg']);
      } else {
        this.runUpdate(scheduleFreeAdamWStep, group, e, () => base, plain!, ['z', 'expAvgSq']);
      }
    }
    group.k += 1;
  }

  /** Switches the parameters to the average `x`, for evaluating or saving the model. */
  eval(): void {
    this.switchTo('eval');
  }

  /** Switches the parameters back to `y`, where training takes its gradients. */
  train(): void {
    this.switchTo('train');
  }

  private switchTo(mode: 'eval' | 'train'): void {
    for (const group of this.paramGroups) {
      if (group.trainMode === (mode === 'train')) continue;
      for (const p of group.params) {
        const z = this.stateOf(p).z;
        if (z instanceof tf.Tensor) tf.tidy(() => p.assign(scheduleFreeSwitch(p, z, group.betas[0], mode)));
      }
      group.trainMode = mode === 'train';
    }
  }
}
