import { check, checkNonNegativeInt, checkNumber, formatValue, InvalidArgumentError } from './errors.js';
import { perGroup, type OptimizerLike, groupsOf } from './optimizer.js';
import { checkOptimizer, cloneState, type Scheduler, type SchedulerStateDict } from './scheduler.js';
import { warn } from './warnings.js';

/** Options of {@link ReduceLROnPlateau}, torch's keyword arguments in lowerCamelCase. */
export interface ReduceLROnPlateauOptions {
  /** `'min'`: reduce when the metric stops falling; `'max'`: when it stops rising. Default `'min'`. */
  mode?: 'min' | 'max';
  /** New lr is `lr * factor`. Default 0.1. */
  factor?: number;
  /** Epochs without improvement tolerated before reducing. Default 10. */
  patience?: number;
  /** Default 1e-4. */
  threshold?: number;
  /** `'rel'`: improvement beyond `best * (1 ∓ threshold)`; `'abs'`: beyond `best ∓ threshold`. Default `'rel'`. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again. Default 0. */
  cooldown?: number;
  /** Lower bound, for all groups or one per group. Default 0. */
  minLr?: number | number[];
  /** Reductions smaller than this are skipped. Default 1e-8. */
  eps?: number;
}

/** The warning `step(NaN)` gives. */
export const NAN_METRIC_WARNING =
  'ReduceLROnPlateau.step(metric) got NaN: it counts as an epoch without improvement, as in torch.';

/** torch's ReduceLROnPlateau. `step(metric)` after each validation. A NaN metric is never an improvement. */
export class ReduceLROnPlateau implements Scheduler {
  readonly optimizer: OptimizerLike;
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  minLrs: number[];
  eps: number;
  best = Infinity;
  numBadEpochs = 0;
  cooldownCounter = 0;
  modeWorse = Infinity;
  lastEpoch = 0;
  private lastLr: number[];

  constructor(optimizer: OptimizerLike, options: ReduceLROnPlateauOptions = {}) {
    checkOptimizer(optimizer);
    this.optimizer = optimizer;
    this.factor = options.factor ?? 0.1;
    check(typeof this.factor === 'number' && this.factor < 1.0, 'factor', this.factor, `factor should be < 1.0, got ${formatValue(this.factor)}`);
    this.minLrs = perGroup('minLr', optimizer, options.minLr ?? 0);
    this.patience = options.patience ?? 10;
    this.cooldown = options.cooldown ?? 0;
    checkNonNegativeInt('patience', this.patience);
    checkNonNegativeInt('cooldown', this.cooldown);
    this.mode = options.mode ?? 'min';
    this.threshold = options.threshold ?? 1e-4;
    this.thresholdMode = options.thresholdMode ?? 'rel';
    this.eps = options.eps ?? 1e-8;
    checkNumber('threshold', this.threshold);
    checkNumber('eps', this.eps);
    this.initIsBetter();
    this.reset();
    this.lastLr = groupsOf(optimizer).map((g) => g.lr);
  }

  private initIsBetter(): void {
    check(this.mode === 'min' || this.mode === 'max', 'mode', this.mode, `mode must be 'min' or 'max', got ${formatValue(this.mode)}`);
    check(
      this.thresholdMode === 'rel' || this.thresholdMode === 'abs',
      'thresholdMode',
      this.thresholdMode,
      `thresholdMode must be 'rel' or 'abs', got ${formatValue(this.thresholdMode)}`,
    );
    this.modeWorse = this.mode === 'min' ? Infinity : -Infinity;
  }

  /** Forgets the best metric and the counters (torch's `_reset`). */
  reset(): void {
    this.best = this.modeWorse;
    this.cooldownCounter = 0;
    this.numBadEpochs = 0;
  }

  /** Whether the scheduler is waiting out its cooldown after a reduction. */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Whether metric `a` improves on `best` under `mode`, `threshold` and `thresholdMode` (torch's `is_better`). */
  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < best * (1 - this.threshold);
    if (this.mode === 'min') return a < best - this.threshold;
    if (this.thresholdMode === 'rel') return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  /** Records one epoch's metric and reduces the lr after `patience` epochs without improvement. */
  step(metric?: number): void {
    if (metric === undefined || metric === null) {
      throw new InvalidArgumentError('metric', metric, 'ReduceLROnPlateau.step(metric) needs the monitored metric, got undefined');
    }
    const current = Number(metric);
    if (Number.isNaN(current)) warn(NAN_METRIC_WARNING);
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = groupsOf(this.optimizer).map((g) => g.lr);
  }

  private reduceLr(): void {
    groupsOf(this.optimizer).forEach((g, i) => {
      const old = g.lr;
      const next = Math.max(old * this.factor, this.minLrs[i]!);
      if (old - next > this.eps) g.lr = next;
    });
  }

  /** Counts an epoch without a metric (SequentialLR replaying to a `lastEpoch`). */
  skip(): void {
    this.lastEpoch += 1;
  }

  /** What SequentialLR calls on entering this scheduler at a milestone; see SequentialLR. */
  initialStep(): void {
    this.lastEpoch += 1;
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): SchedulerStateDict {
    return cloneState({
      mode: this.mode,
      factor: this.factor,
      patience: this.patience,
      threshold: this.threshold,
      thresholdMode: this.thresholdMode,
      cooldown: this.cooldown,
      minLrs: this.minLrs,
      eps: this.eps,
      best: this.best,
      numBadEpochs: this.numBadEpochs,
      cooldownCounter: this.cooldownCounter,
      lastEpoch: this.lastEpoch,
      lastLr: this.lastLr,
    });
  }

  loadStateDict(state: SchedulerStateDict): void {
    check(state !== null && typeof state === 'object', 'state', state, `state must be an object from stateDict(), got ${formatValue(state)}`);
    const self = this as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(cloneState(state))) if (k in this) self[k] = v;
    this.initIsBetter();
  }
}
