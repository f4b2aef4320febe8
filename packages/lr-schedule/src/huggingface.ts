import { groupsOf } from './optimizer.js';
// HuggingFace transformers' schedules (src/transformers/optimization.py), each a
// LambdaLR with the same lambda, transcribed formula for formula so the numbers match.
import { check, checkNonNegativeInt, checkNumber, formatValue, InvalidArgumentError } from './errors.js';
import { LambdaLR } from './lambda-lr.js';
import type { OptimizerLike } from './optimizer.js';
import { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './reduce-lr-on-plateau.js';
import { warn } from './warnings.js';

/** What every transformers schedule takes. */
export interface HfScheduleOptions {
  lastEpoch?: number;
}
export interface WarmupOptions extends HfScheduleOptions {
  numWarmupSteps: number;
}
export interface WarmupTrainingOptions extends WarmupOptions {
  numTrainingSteps: number;
}

function warmup(step: number, numWarmupSteps: number): number {
  return step / Math.max(1, numWarmupSteps);
}

function checkSteps(o: Partial<WarmupTrainingOptions>, training: boolean): void {
  checkNonNegativeInt('numWarmupSteps', o.numWarmupSteps);
  if (training) checkNonNegativeInt('numTrainingSteps', o.numTrainingSteps);
}

/** The optimizer's constructor lr, as transformers reads `optimizer.defaults["lr"]`. */
function defaultLr(optimizer: OptimizerLike): number {
  const g = groupsOf(optimizer)?.[0];
  return optimizer.defaults?.lr ?? (g?.initialLr as number | undefined) ?? g?.lr ?? NaN;
}

/** transformers' `get_reduce_on_plateau_schedule`: torch's ReduceLROnPlateau, `step(metric)` after each evaluation. */
export function getReduceOnPlateauSchedule(optimizer: OptimizerLike, options: ReduceLROnPlateauOptions = {}): ReduceLROnPlateau {
  return new ReduceLROnPlateau(optimizer, options);
}

/** A constant lr: the optimizer's own. */
export function getConstantSchedule(optimizer: OptimizerLike, options: HfScheduleOptions = {}): LambdaLR {
  return new LambdaLR(optimizer, { lrLambda: () => 1, lastEpoch: options.lastEpoch });
}

/** Linear warmup from 0, then constant. */
export function getConstantScheduleWithWarmup(optimizer: OptimizerLike, options: WarmupOptions): LambdaLR {
  checkSteps(options ?? {}, false);
  const { numWarmupSteps: w } = options;
  return new LambdaLR(optimizer, { lrLambda: (s) => (s < w ? s / Math.max(1.0, w) : 1.0), lastEpoch: options.lastEpoch });
}

/** Linear warmup from 0, then linear decay to 0 at `numTrainingSteps`. */
export function getLinearScheduleWithWarmup(optimizer: OptimizerLike, options: WarmupTrainingOptions): LambdaLR {
  checkSteps(options ?? {}, true);
  const { numWarmupSteps: w, numTrainingSteps: t } = options;
  return new LambdaLR(optimizer, {
    lrLambda: (s) => (s < w ? warmup(s, w) : Math.max(0.0, (t - s) / Math.max(1, t - w))),
    lastEpoch: options.lastEpoch,
  });
}

function cosineLambda(w: number, t: number, numCycles: number, minLrRate = 0) {
  return (s: number): number => {
    if (s < w) return warmup(s, w);
    const progress = (s - w) / Math.max(1, t - w);
    let factor = 0.5 * (1.0 + Math.cos(Math.PI * numCycles * 2.0 * progress));
    factor = factor * (1 - minLrRate) + minLrRate;
    return Math.max(0, factor);
  };
}

export interface CosineOptions extends WarmupTrainingOptions {
  /** Waves of the cosine; 0.5 (default) is a single half-cosine down to 0. */
  numCycles?: number;
}

/** Linear warmup, then cosine decay to 0. Past `numTrainingSteps` it rises again, as in transformers. */
export function getCosineScheduleWithWarmup(optimizer: OptimizerLike, options: CosineOptions): LambdaLR {
  checkSteps(options ?? {}, true);
  const c = options.numCycles ?? 0.5;
  checkNumber('numCycles', c);
  return new LambdaLR(optimizer, { lrLambda: cosineLambda(options.numWarmupSteps, options.numTrainingSteps, c), lastEpoch: options.lastEpoch });
}

/** Linear warmup, then `numCycles` (default 1) cosine decays to 0, each restarting at the peak. */
export function getCosineWithHardRestartsScheduleWithWarmup(optimizer: OptimizerLike, options: CosineOptions): LambdaLR {
  checkSteps(options ?? {}, true);
  const { numWarmupSteps: w, numTrainingSteps: t } = options;
  const c = options.numCycles ?? 1;
  checkNumber('numCycles', c);
  return new LambdaLR(optimizer, {
    lrLambda: (s) => {
      if (s < w) return warmup(s, w);
      const progress = (s - w) / Math.max(1, t - w);
      if (progress >= 1.0) return 0.0;
      return Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * ((c * progress) % 1.0))));
    },
    lastEpoch: options.lastEpoch,
  });
}

export interface PolynomialOptions extends WarmupTrainingOptions {
  /** Final lr. Default 1e-7. */
  lrEnd?: number;
  /** Default 1. */
  power?: number;
}

/** Linear warmup, then polynomial decay from the optimizer's default lr to `lrEnd`. */
export function getPolynomialDecayScheduleWithWarmup(optimizer: OptimizerLike, options: PolynomialOptions): LambdaLR {
  checkSteps(options ?? {}, true);
  const { numWarmupSteps: w, numTrainingSteps: t } = options;
  const lrEnd = options.lrEnd ?? 1e-7;
  const power = options.power ?? 1.0;
  const lrInit = defaultLr(optimizer);
  check(lrInit > lrEnd, 'lrEnd', lrEnd, `lrEnd (${lrEnd}) must be smaller than initial lr (${lrInit})`);
  return new LambdaLR(optimizer, {
    lrLambda: (s) => {
      if (s < w) return warmup(s, w);
      if (s > t) return lrEnd / lrInit;
      const lrRange = lrInit - lrEnd;
      const decaySteps = t - w;
      const pctRemaining = 1 - (s - w) / decaySteps;
      const decay = lrRange * pctRemaining ** power + lrEnd;
      return decay / lrInit;
    },
    lastEpoch: options.lastEpoch,
  });
}

export interface InverseSqrtOptions extends WarmupOptions {
  /** Defaults to `numWarmupSteps`, or 10000 when that is 0. */
  timescale?: number;
}

/** Linear warmup, then decay as `1 / sqrt((step + shift) / timescale)`. */
export function getInverseSqrtSchedule(optimizer: OptimizerLike, options: InverseSqrtOptions): LambdaLR {
  checkSteps(options ?? {}, false);
  const w = options.numWarmupSteps;
  const timescale = options.timescale || w || 10_000;
  checkNumber('timescale', timescale);
  return new LambdaLR(optimizer, {
    lrLambda: (s) => {
      if (s < w) return warmup(s, w);
      const shift = timescale - w;
      return 1.0 / Math.sqrt((s + shift) / timescale);
    },
    lastEpoch: options.lastEpoch,
  });
}

export interface CosineWithMinLrOptions extends CosineOptions {
  /** Floor as an lr (divided by the optimizer's default lr)... */
  minLr?: number;
  /** ...or as a fraction of it. Give exactly one. */
  minLrRate?: number;
}

/** Linear warmup, then cosine decay to `minLr` instead of 0. */
export function getCosineWithMinLrScheduleWithWarmup(optimizer: OptimizerLike, options: CosineWithMinLrOptions): LambdaLR {
  checkSteps(options ?? {}, true);
  let rate = options.minLrRate;
  if (options.minLr !== undefined && rate !== undefined) {
    throw new InvalidArgumentError('minLr', options.minLr, 'Only one of minLr or minLrRate should be set');
  } else if (options.minLr !== undefined) {
    rate = options.minLr / defaultLr(optimizer);
  } else if (rate === undefined) {
    throw new InvalidArgumentError('minLr', undefined, 'One of minLr or minLrRate should be set');
  }
  checkNumber('minLrRate', rate);
  const c = options.numCycles ?? 0.5;
  return new LambdaLR(optimizer, { lrLambda: cosineLambda(options.numWarmupSteps, options.numTrainingSteps, c, rate), lastEpoch: options.lastEpoch });
}

/** The warmup and decay curves of {@link getWsdSchedule}, transformers' names. */
export type WsdShape = 'linear' | 'cosine' | '1-sqrt';

export interface WsdOptions extends WarmupOptions {
  numDecaySteps: number;
  /** Used to derive `numStableSteps` when that is not given. */
  numTrainingSteps?: number;
  numStableSteps?: number;
  /** Default `'linear'`. */
  warmupType?: WsdShape;
  /** Default `'cosine'`. */
  decayType?: WsdShape;
  /** Floor as a fraction of the lr. Default 0. */
  minLrRatio?: number;
  /** Default 0.5. */
  numCycles?: number;
}

/** Warmup-stable-decay: warmup to the lr, hold it, then decay to `minLrRatio` times it. */
export function getWsdSchedule(optimizer: OptimizerLike, options: WsdOptions): LambdaLR {
  const o = options ?? ({} as WsdOptions);
  checkNonNegativeInt('numWarmupSteps', o.numWarmupSteps);
  checkNonNegativeInt('numDecaySteps', o.numDecaySteps);
  if (o.numTrainingSteps === undefined && o.numStableSteps === undefined) {
    throw new InvalidArgumentError('numTrainingSteps', undefined, 'Either numTrainingSteps or numStableSteps must be specified.');
  }
  if (o.numTrainingSteps !== undefined && o.numStableSteps !== undefined) {
    warn('Both numTrainingSteps and numStableSteps are specified. numStableSteps will be used.');
  }
  const warmupType = o.warmupType ?? 'linear';
  const decayType = o.decayType ?? 'cosine';
  for (const [name, v] of [['warmupType', warmupType], ['decayType', decayType]] as const) {
    check(['linear', 'cosine', '1-sqrt'].includes(v), name, v, `Unknown ${name}: ${formatValue(v)}, expected 'linear', 'cosine' or '1-sqrt'`);
  }
  const w = o.numWarmupSteps;
  const d = o.numDecaySteps;
  const stable = o.numStableSteps ?? o.numTrainingSteps! - w - d;
  const minRatio = o.minLrRatio ?? 0;
  const c = o.numCycles ?? 0.5;
  return new LambdaLR(optimizer, {
    lrLambda: (s) => {
      if (s < w) {
        const progress = s / Math.max(1, w);
        let factor = warmupType === 'linear' ? progress : warmupType === 'cosine' ? 0.5 * (1.0 - Math.cos(Math.PI * progress)) : 1.0 - Math.sqrt(1.0 - progress);
        factor = factor * (1.0 - minRatio) + minRatio;
        return Math.max(0.0, factor);
      }
      if (s < w + stable) return 1.0;
      if (s < w + stable + d) {
        const progress = (s - w - stable) / Math.max(1, d);
        let factor = decayType === 'linear' ? 1.0 - progress : decayType === 'cosine' ? 0.5 * (1.0 + Math.cos(Math.PI * c * 2.0 * progress)) : 1.0 - Math.sqrt(progress);
        factor = factor * (1.0 - minRatio) + minRatio;
        return Math.max(0.0, factor);
      }
      return minRatio;
    },
    lastEpoch: o.lastEpoch,
  });
}
