import { InvalidArgumentError } from './errors.js';

/** One parameter group: a plain, mutable object. Schedulers write `lr` and any other numeric field. */
export interface ParamGroup {
  lr: number;
  initialLr?: number;
  momentum?: number;
  betas?: readonly number[];
  [field: string]: unknown;
}

/**
 * What a scheduler needs of a parameter group: `lr`; other fields (`initialLr`,
 * `momentum`, `betas`) are read and written by name. No index signature, so an
 * optimizer whose groups are typed by an interface (`@descent/optim`'s) fits.
 */
export interface ParamGroupLike {
  lr: number;
}

/** Anything with parameter groups, such as a `@descent/optim` optimizer. */
export interface OptimizerLike {
  paramGroups: ParamGroupLike[];
  /** Constructor defaults (torch's `optimizer.defaults`); used by a few HF schedules. */
  defaults?: { lr?: number; momentum?: number; betas?: readonly number[] };
  /** The optimizer's step; schedulers wrap it to count calls (torch's step-order warning). */
  step?: (...args: never[]) => unknown;
}

/**
 * How many times the optimizer stepped, or was meant to step, under this
 * global symbol. Schedulers count `optimizer.step()` calls; a GradScaler that
 * skips a step for inf/NaN gradients should count it too
 * ({@link markOptimizerStepAttempt}), so no false "scheduler stepped before the
 * optimizer" warning follows (pytorch#44511). A symbol, not an import, so that
 * no package needs to depend on this one.
 */
export const OPTIMIZER_STEP_ATTEMPTS: unique symbol = Symbol.for('descent.optimizer.stepAttempts') as never;
const WRAPPED: unique symbol = Symbol.for('descent.optimizer.stepWrapped') as never;

type Counted = { [OPTIMIZER_STEP_ATTEMPTS]?: number };

/** Counts one optimizer step that happened or was deliberately skipped. */
export function markOptimizerStepAttempt(optimizer: object): void {
  const o = optimizer as Counted;
  o[OPTIMIZER_STEP_ATTEMPTS] = (o[OPTIMIZER_STEP_ATTEMPTS] ?? 0) + 1;
}

export function optimizerStepAttempts(optimizer: object): number {
  return (optimizer as Counted)[OPTIMIZER_STEP_ATTEMPTS] ?? 0;
}

export function resetOptimizerStepAttempts(optimizer: object): void {
  (optimizer as Counted)[OPTIMIZER_STEP_ATTEMPTS] = 0;
}

/**
 * Wraps `optimizer.step` (as torch does) so that each call is counted.
 * Returns whether the optimizer has a step method at all: a bare
 * `{ paramGroups }` cannot be watched, so it never triggers the warning.
 */
export function watchOptimizerStep(optimizer: OptimizerLike): boolean {
  const step = optimizer.step as ((...args: unknown[]) => unknown) | undefined;
  if (typeof step !== 'function') return false;
  if ((step as unknown as Record<symbol, unknown>)[WRAPPED]) return true;
  const wrapped = function (this: unknown, ...args: unknown[]) {
    markOptimizerStepAttempt(optimizer);
    return step.apply(this, args);
  };
  (wrapped as unknown as Record<symbol, unknown>)[WRAPPED] = true;
  optimizer.step = wrapped as never;
  return true;
}

export function isStepWatched(optimizer: OptimizerLike): boolean {
  const step = optimizer.step as unknown as Record<symbol, unknown> | undefined;
  return typeof step === 'function' && step[WRAPPED] === true;
}

/** The same value for every group, or one value per group. */
export function perGroup<T>(name: string, optimizer: OptimizerLike, value: T | readonly T[]): T[] {
  const n = optimizer.paramGroups.length;
  if (Array.isArray(value)) {
    if (value.length !== n) {
      throw new InvalidArgumentError(name, value, `expected ${n} values for ${name} (one per param group), got ${value.length}`);
    }
    return [...value];
  }
  return new Array<T>(n).fill(value as T);
}

/** The optimizer's groups as the mutable records schedulers read and write. */
export function groupsOf(optimizer: OptimizerLike): ParamGroup[] {
  return optimizer.paramGroups as ParamGroup[];
}
