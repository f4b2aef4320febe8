import { check, checkNumber, formatValue } from './errors.js';
import type { OptimizerLike } from './optimizer.js';
import { LRScheduler, type SchedulerOptions } from './scheduler.js';

export interface MultiStepLROptions extends SchedulerOptions {
  /** Epochs at which to decay. A milestone listed k times decays by `gamma ** k`, as torch's Counter does. */
  milestones: number[];
  /** Multiplicative decay. Default 0.1. */
  gamma?: number;
}

/** torch's MultiStepLR: multiplies by `gamma` at each milestone. */
export class MultiStepLR extends LRScheduler {
  /** Sorted, with repeats. */
  milestones: number[];
  gamma: number;
  private counts = new Map<number, number>();

  constructor(optimizer: OptimizerLike, options: MultiStepLROptions) {
    super(optimizer, options);
    const m = options?.milestones;
    check(Array.isArray(m) && m.every((x) => Number.isInteger(x)), 'milestones', m, `milestones must be an array of integers, got ${formatValue(m)}`);
    this.milestones = [...m].sort((a, b) => a - b);
    this.gamma = options.gamma ?? 0.1;
    checkNumber('gamma', this.gamma);
    this.countMilestones();
    this.attach(options.lastEpoch);
  }

  private countMilestones(): void {
    this.counts = new Map();
    for (const x of this.milestones) this.counts.set(x, (this.counts.get(x) ?? 0) + 1);
  }

  protected override stateKeys(): string[] {
    return ['milestones', 'gamma'];
  }

  override loadStateDict(state: Record<string, unknown>): void {
    super.loadStateDict(state);
    this.countMilestones();
  }

  protected computeLr(): number[] {
    const k = this.counts.get(this.lastEpoch);
    return this.groups.map((g) => (k === undefined ? this.read(g) : this.read(g) * this.gamma ** k));
  }

  protected override closedFormLr(): number[] {
    // bisect_right: how many milestones are <= lastEpoch.
    let lo = 0;
    let hi = this.milestones.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.milestones[mid]! <= this.lastEpoch) lo = mid + 1;
      else hi = mid;
    }
    return this.baseLrs.map((base) => base * this.gamma ** lo);
  }
}
