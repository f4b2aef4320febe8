import { check, formatValue, InvalidArgumentError } from './errors.js';
import {
  isStepWatched,
  optimizerStepAttempts,
  resetOptimizerStepAttempts,
  watchOptimizerStep,
  type OptimizerLike,
  type ParamGroup,
  groupsOf,
} from './optimizer.js';
import { warn } from './warnings.js';

/** A scheduler's saved state: plain numbers, strings, booleans and arrays of them. */
export type SchedulerStateDict = Record<string, unknown>;

/** Options every epoch-based scheduler takes. */
export interface SchedulerOptions {
  /** Index of the last epoch when resuming; -1 starts fresh. Default -1. */
  lastEpoch?: number;
  /**
   * The param-group field to schedule, as timm's `param_group_field`
   * (`'lr'`, `'momentum'`, `'weightDecay'`, ...). Its starting value is kept in
   * `initial<Field>` (`initialLr`, `initialWeightDecay`). Default `'lr'`.
   */
  field?: string;
}

/** The common surface of every scheduler, ReduceLROnPlateau included. */
export interface Scheduler {
  readonly optimizer: OptimizerLike;
  lastEpoch: number;
  /** Advances the schedule (ReduceLROnPlateau takes the monitored metric) and writes the new values into the groups. */
  step(metric?: number): void;
  /** The values last written, one per param group (torch's `get_last_lr()`). */
  getLastLr(): number[];
  /** The scheduler's state, plain data (torch's `state_dict()`). */
  stateDict(): SchedulerStateDict;
  /** Restores {@link Scheduler.stateDict}'s output; build the optimizer and scheduler first, as in torch. */
  loadStateDict(state: SchedulerStateDict): void;
}

/** The warning `step(epoch)` gives, as torch's. */
export const EPOCH_DEPRECATION_WARNING =
  'The epoch argument of `scheduler.step(epoch)` is deprecated, as in torch: call `scheduler.step()`. ' +
  'With an epoch the closed form is used instead of the chainable form, where available.';

/** The warning for a first `scheduler.step()` before any `optimizer.step()`, as torch's. */
export const STEP_BEFORE_OPTIMIZER_WARNING =
  'Detected call of `scheduler.step()` before `optimizer.step()`. Call them in the opposite order: ' +
  '`optimizer.step()` before `scheduler.step()`. Failing to do so skips the first value of the learning rate schedule.';

/** The warning when `optimizer.step` was replaced after the scheduler wrapped it, as torch's. */
export const STEP_OVERRIDDEN_WARNING =
  '`optimizer.step()` seems to have been overridden after the learning rate scheduler was created. ' +
  'Make sure to call `optimizer.step()` before `scheduler.step()`.';

export function checkOptimizer(optimizer: unknown): asserts optimizer is OptimizerLike {
  const groups = (optimizer as OptimizerLike | null)?.paramGroups;
  check(
    Array.isArray(groups) && groups.length > 0 && groups.every((g) => g !== null && typeof g === 'object'),
    'optimizer',
    optimizer,
    `optimizer must have a non-empty paramGroups array of objects, got ${formatValue(optimizer === null || typeof optimizer !== 'object' ? optimizer : groups)}`,
  );
}

export function initialKey(field: string): string {
  return `initial${field[0]!.toUpperCase()}${field.slice(1)}`;
}

/**
 * torch's `_LRScheduler`. A subclass computes the chainable form in
 * `computeLr()` (from the groups' current values, as torch does when stepping
 * without an epoch, so results match torch bit for bit) and, where torch has
 * one, the closed form in `closedFormLr()`.
 */
export abstract class LRScheduler implements Scheduler {
  readonly optimizer: OptimizerLike;
  readonly field: string;
  lastEpoch = -1;
  baseLrs: number[] = [];
  protected lastLr: number[] = [];
  /** torch's `_step_count`. */
  protected stepCount = 0;
  private watchesOptimizer = false;

  constructor(optimizer: OptimizerLike, options: SchedulerOptions = {}) {
    checkOptimizer(optimizer);
    this.optimizer = optimizer;
    this.field = options.field ?? 'lr';
    check(typeof this.field === 'string' && this.field.length > 0, 'field', options.field);
  }

  /** The optimizer's param groups. */
  protected get groups(): ParamGroup[] {
    return groupsOf(this.optimizer);
  }

  /** The scheduled field's current value in `group`. */
  protected read(group: ParamGroup): number {
    return group[this.field] as number;
  }

  /** Everything torch's `_LRScheduler.__init__` does; subclasses call it last. */
  protected attach(lastEpoch = -1): void {
    check(Number.isInteger(lastEpoch) && lastEpoch >= -1, 'lastEpoch', lastEpoch, `lastEpoch must be an integer >= -1, got ${formatValue(lastEpoch)}`);
    const key = initialKey(this.field);
    this.groups.forEach((g, i) => {
      const value = g[this.field];
      if (typeof value !== 'number') {
        throw new InvalidArgumentError(`paramGroups[${i}].${this.field}`, value, `paramGroups[${i}].${this.field} must be a number, got ${formatValue(value)}`);
      }
      if (lastEpoch === -1) {
        if (g[key] === undefined) g[key] = value;
      } else if (g[key] === undefined) {
        throw new InvalidArgumentError(
          'lastEpoch',
          lastEpoch,
          `paramGroups[${i}].${key} is not set: resuming with lastEpoch=${lastEpoch} needs each group's ${key} (load the optimizer's state first)`,
        );
      }
    });
    this.baseLrs = this.groups.map((g) => g[key] as number);
    this.lastEpoch = lastEpoch;
    this.watchesOptimizer = watchOptimizerStep(this.optimizer);
    this.initialStep();
  }

  /** torch's `_initial_step`. */
  initialStep(): void {
    resetOptimizerStepAttempts(this.optimizer);
    this.stepCount = 0;
    this.step();
  }

  /** The chainable (recursive) form: the next values from the groups' current ones. */
  protected abstract computeLr(): number[];

  /** The closed form, used when `step(epoch)` names an epoch. */
  protected closedFormLr?(): number[];

  /** Advances one epoch (or jumps to `epoch`, deprecated as in torch) and writes the new values. */
  step(epoch?: number): void {
    if (epoch !== undefined) {
      warn(EPOCH_DEPRECATION_WARNING);
      this.stepTo(epoch);
      return;
    }
    this.warnOnStepOrder();
    this.stepCount += 1;
    this.lastEpoch += 1;
    this.apply(this.computeLr());
  }

  /** `step(epoch)` without the deprecation warning: SequentialLR's jump to a milestone. */
  stepTo(epoch: number): void {
    check(typeof epoch === 'number' && Number.isFinite(epoch), 'epoch', epoch);
    this.warnOnStepOrder();
    this.stepCount += 1;
    this.lastEpoch = epoch;
    this.apply(this.closedFormLr ? this.closedFormLr() : this.computeLr());
  }

  /** Warns, as torch does, when the first step comes before the optimizer's or `optimizer.step` was replaced. */
  protected warnOnStepOrder(): void {
    if (this.stepCount !== 1 || !this.watchesOptimizer) return;
    if (!isStepWatched(this.optimizer)) warn(STEP_OVERRIDDEN_WARNING);
    else if (optimizerStepAttempts(this.optimizer) < 1) warn(STEP_BEFORE_OPTIMIZER_WARNING);
  }

  /** Writes one value per group into the scheduled field and records them for {@link LRScheduler.getLastLr}. */
  protected apply(values: number[]): void {
    const groups = this.groups;
    for (let i = 0; i < groups.length; i++) groups[i]![this.field] = values[i];
    this.lastLr = groups.map((g) => this.read(g));
  }

  /** The values this scheduler last wrote (torch's `get_last_lr()`). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** Fields saved by `stateDict()` besides the common ones; subclasses extend the list. */
  protected stateKeys(): string[] {
    return [];
  }

  /** `lastEpoch`, `baseLrs`, `lastLr`, the step count and the subclass's fields, as plain data. */
  stateDict(): SchedulerStateDict {
    const state: SchedulerStateDict = {
      lastEpoch: this.lastEpoch,
      baseLrs: [...this.baseLrs],
      lastLr: [...this.lastLr],
      stepCount: this.stepCount,
    };
    const self = this as unknown as Record<string, unknown>;
    for (const key of this.stateKeys()) state[key] = cloneState(self[key]);
    return state;
  }

  /** Restores {@link LRScheduler.stateDict}'s output. */
  loadStateDict(state: SchedulerStateDict): void {
    check(state !== null && typeof state === 'object', 'state', state, `state must be an object from stateDict(), got ${formatValue(state)}`);
    const self = this as unknown as Record<string, unknown>;
    if ('lastEpoch' in state) this.lastEpoch = state.lastEpoch as number;
    if ('baseLrs' in state) this.baseLrs = [...(state.baseLrs as number[])];
    if ('lastLr' in state) this.lastLr = [...(state.lastLr as number[])];
    if ('stepCount' in state) this.stepCount = state.stepCount as number;
    for (const key of this.stateKeys()) if (key in state) self[key] = cloneState(state[key]);
  }
}

export function cloneState<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneState) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloneState(v)])) as T;
  }
  return value;
}
