import { check, checkInRange, checkPositiveInt, formatValue } from './errors.js';
import type { OptimizerLike } from './optimizer.js';
import { LRScheduler, type SchedulerOptions } from './scheduler.js';

export interface LinearLROptions extends SchedulerOptions {
  /** Multiplier at epoch 0, in (0, 1]. Default 1/3. */
  startFactor?: number;
  /** Multiplier from `totalIters` on, in [0, 1]. Default 1. */
  endFactor?: number;
  /** Epochs of the linear change. Default 5. */
  totalIters?: number;
}

/** torch's LinearLR: the multiplier moves linearly from `startFactor` to `endFactor` over `totalIters` epochs. */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;

  constructor(optimizer: OptimizerLike, options: LinearLROptions = {}) {
    super(optimizer, options);
    this.startFactor = options.startFactor ?? 1 / 3;
    this.endFactor = options.endFactor ?? 1;
    this.totalIters = options.totalIters ?? 5;
    // 0 would divide by zero in the chainable form (torch raises ZeroDivisionError there).
    check(
      typeof this.startFactor === 'number' && this.startFactor > 0 && this.startFactor <= 1,
      'startFactor',
      this.startFactor,
      `startFactor must be greater than 0 and at most 1, got ${formatValue(this.startFactor)}`,
    );
    checkInRange('endFactor', this.endFactor, 0, 1);
    checkPositiveInt('totalIters', this.totalIters);
    this.attach(options.lastEpoch);
  }

  protected override stateKeys(): string[] {
    return ['startFactor', 'endFactor', 'totalIters'];
  }

  protected computeLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: t, lastEpoch: k } = this;
    if (k === 0) return this.groups.map((g) => this.read(g) * s);
    if (k > t) return this.groups.map((g) => this.read(g));
    const ratio = 1 + (e - s) / (t * s + (k - 1) * (e - s));
    return this.groups.map((g) => this.read(g) * ratio);
  }

  protected override closedFormLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: t } = this;
    return this.baseLrs.map((base) => base * (s + ((e - s) * Math.min(t, this.lastEpoch)) / t));
  }
}
