// Pure schedules, optax style: a schedule maps a step count to a value and
// holds no state, so it can drive anything (and needs no optimizer).
import { check, checkNumber, checkPositiveInt, formatValue } from './errors.js';

/** A pure schedule, optax style: the value at a step count, with no state. */
export type Schedule = (step: number) => number;

/** Always `value`. */
export function constantSchedule(value: number): Schedule {
  checkNumber('value', value);
  return () => value;
}

/** Options of {@link linearSchedule} (optax's names in lowerCamelCase). */
export interface LinearScheduleOptions {
  initValue: number;
  endValue: number;
  transitionSteps: number;
  /** Steps held at `initValue` first. Default 0. */
  transitionBegin?: number;
}

/** From `initValue` to `endValue` linearly over `transitionSteps`, then held (optax.linear_schedule). */
export function linearSchedule(o: LinearScheduleOptions): Schedule {
  return polynomialSchedule({ ...o, power: 1 });
}

/** Options of {@link polynomialSchedule}. */
export interface PolynomialScheduleOptions extends LinearScheduleOptions {
  power: number;
}

/** `(init - end) * (1 - t / steps) ** power + end`, clamped to the transition (optax.polynomial_schedule). */
export function polynomialSchedule(o: PolynomialScheduleOptions): Schedule {
  const { initValue, endValue, power } = o;
  const steps = o.transitionSteps;
  const begin = o.transitionBegin ?? 0;
  checkNumber('initValue', initValue);
  checkNumber('endValue', endValue);
  checkNumber('power', power);
  checkPositiveInt('transitionSteps', steps);
  check(Number.isInteger(begin) && begin >= 0, 'transitionBegin', begin);
  return (step) => {
    const t = Math.min(Math.max(step - begin, 0), steps);
    return (initValue - endValue) * (1 - t / steps) ** power + endValue;
  };
}

/** Options of {@link cosineDecaySchedule}. */
export interface CosineDecayScheduleOptions {
  initValue: number;
  decaySteps: number;
  /** Final value as a fraction of `initValue`. Default 0. */
  alpha?: number;
  /** Default 1. */
  exponent?: number;
}

/** Half-cosine from `initValue` to `alpha * initValue` over `decaySteps`, then held (optax.cosine_decay_schedule). */
export function cosineDecaySchedule(o: CosineDecayScheduleOptions): Schedule {
  const { initValue, decaySteps } = o;
  const alpha = o.alpha ?? 0;
  const exponent = o.exponent ?? 1;
  checkNumber('initValue', initValue);
  checkPositiveInt('decaySteps', decaySteps);
  checkNumber('alpha', alpha);
  return (step) => {
    const t = Math.min(Math.max(step, 0), decaySteps);
    const cosine = (0.5 * (1 + Math.cos((Math.PI * t) / decaySteps))) ** exponent;
    return initValue * ((1 - alpha) * cosine + alpha);
  };
}

/** Options of {@link exponentialDecaySchedule}. */
export interface ExponentialDecayOptions {
  initValue: number;
  transitionSteps: number;
  decayRate: number;
  /** Steps held at `initValue` first. Default 0. */
  transitionBegin?: number;
  /** Decay in whole periods of `transitionSteps`. Default false. */
  staircase?: boolean;
  /** A bound: a floor when decaying, a ceiling when growing. */
  endValue?: number;
}

/** `initValue * decayRate ** (t / transitionSteps)` (optax.exponential_decay). */
export function exponentialDecaySchedule(o: ExponentialDecayOptions): Schedule {
  const { initValue, transitionSteps, decayRate } = o;
  const begin = o.transitionBegin ?? 0;
  checkNumber('initValue', initValue);
  checkPositiveInt('transitionSteps', transitionSteps);
  checkNumber('decayRate', decayRate);
  return (step) => {
    const t = Math.max(step - begin, 0);
    const p = o.staircase ? Math.floor(t / transitionSteps) : t / transitionSteps;
    const v = initValue * decayRate ** p;
    if (o.endValue === undefined) return v;
    return decayRate < 1 ? Math.max(v, o.endValue) : Math.min(v, o.endValue);
  };
}

/** `initValue`, multiplied by `scales[b]` once the step reaches each boundary `b` (optax.piecewise_constant_schedule). */
export function piecewiseConstantSchedule(initValue: number, boundariesAndScales: Record<number, number> = {}): Schedule {
  checkNumber('initValue', initValue);
  const entries = Object.entries(boundariesAndScales)
    .map(([b, s]) => [Number(b), s] as const)
    .sort((a, b) => a[0] - b[0]);
  for (const [b, s] of entries) {
    check(Number.isInteger(b) && b >= 0, 'boundariesAndScales', boundariesAndScales, `boundaries must be non-negative integers, got ${formatValue(b)}`);
    checkNumber(`boundariesAndScales[${b}]`, s);
  }
  const values: number[] = [];
  let v = initValue;
  for (const [, s] of entries) values.push((v *= s));
  return (step) => {
    let i = 0;
    while (i < entries.length && step >= entries[i]![0]) i++;
    return i === 0 ? initValue : values[i - 1]!;
  };
}

/**
 * `schedules[0]` until `boundaries[0]`, then `schedules[1]` counted from that
 * boundary, and so on (optax.join_schedules).
 */
export function joinSchedules(schedules: Schedule[], boundaries: number[]): Schedule {
  check(Array.isArray(schedules) && schedules.length > 0 && schedules.every((s) => typeof s === 'function'), 'schedules', schedules);
  check(
    Array.isArray(boundaries) && boundaries.length === schedules.length - 1 && boundaries.every((b, i) => Number.isInteger(b) && (i === 0 || b > boundaries[i - 1]!)),
    'boundaries',
    boundaries,
    `boundaries must be ${schedules.length - 1} increasing integers (one fewer than schedules), got ${formatValue(boundaries)}`,
  );
  return (step) => {
    let i = 0;
    while (i < boundaries.length && step >= boundaries[i]!) i++;
    return schedules[i]!(i === 0 ? step : step - boundaries[i - 1]!);
  };
}

/** Options of {@link withWarmup}. */
export interface WithWarmupOptions {
  warmupSteps: number;
  /** Value at step 0. Default 0. */
  initValue?: number;
  /** Value reached at `warmupSteps`; defaults to `decay(0)`. */
  peakValue?: number;
}

/** Linear warmup into any decay schedule, which then starts at its own step 0. */
export function withWarmup(decay: Schedule, o: WithWarmupOptions): Schedule {
  checkPositiveInt('warmupSteps', o.warmupSteps);
  const peak = o.peakValue ?? decay(0);
  const warm = linearSchedule({ initValue: o.initValue ?? 0, endValue: peak, transitionSteps: o.warmupSteps });
  return joinSchedules([warm, decay], [o.warmupSteps]);
}

/** Options of {@link warmupCosineDecaySchedule}. */
export interface WarmupCosineDecayOptions {
  initValue?: number;
  peakValue: number;
  warmupSteps: number;
  /** Total steps, warmup included (as optax). */
  decaySteps: number;
  endValue?: number;
}

/** Linear warmup to `peakValue`, then cosine decay to `endValue` (optax.warmup_cosine_decay_schedule). */
export function warmupCosineDecaySchedule(o: WarmupCosineDecayOptions): Schedule {
  const end = o.endValue ?? 0;
  checkNumber('peakValue', o.peakValue);
  check(o.decaySteps > o.warmupSteps, 'decaySteps', o.decaySteps, `decaySteps (${o.decaySteps}) must exceed warmupSteps (${o.warmupSteps}); it counts the warmup too`);
  const cosine = cosineDecaySchedule({ initValue: o.peakValue, decaySteps: o.decaySteps - o.warmupSteps, alpha: o.peakValue === 0 ? 0 : end / o.peakValue });
  return withWarmup(cosine, { warmupSteps: o.warmupSteps, initValue: o.initValue ?? 0, peakValue: o.peakValue });
}
