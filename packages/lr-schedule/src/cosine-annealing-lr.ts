import { checkNumber, checkPositiveInt } from './errors.js';
import type { OptimizerLike } from './optimizer.js';
import { LRScheduler, type SchedulerOptions } from './scheduler.js';

export interface CosineAnnealingLROptions extends SchedulerOptions {
  /** Half-period of the cosine, in epochs. */
  tMax: number;
  /** Minimum value. Default 0. */
  etaMin?: number;
}

/**
 * torch's CosineAnnealingLR. Past `tMax` the value climbs back up and keeps
 * oscillating with period `2 * tMax`, as in torch (it does not stay at `etaMin`).
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;

  constructor(optimizer: OptimizerLike, options: CosineAnnealingLROptions) {
    super(optimizer, options);
    this.tMax = options?.tMax;
    this.etaMin = options.etaMin ?? 0;
    checkPositiveInt('tMax', this.tMax);
    checkNumber('etaMin', this.etaMin);
    this.attach(options.lastEpoch);
  }

  protected override stateKeys(): string[] {
    return ['tMax', 'etaMin'];
  }

  protected computeLr(): number[] {
    const { lastEpoch: k, tMax: t, etaMin: eta } = this;
    if (k === 0) return this.groups.map((g) => this.read(g));
    if (this.stepCount === 1 && k > 0) {
      // Resumed with lastEpoch: the first step has nothing to chain from.
      return this.baseLrs.map((base) => eta + ((base - eta) * (1 + Math.cos((k * Math.PI) / t))) / 2);
    }
    if ((k - 1 - t) % (2 * t) === 0) {
      return this.groups.map((g, i) => this.read(g) + ((this.baseLrs[i]! - eta) * (1 - Math.cos(Math.PI / t))) / 2);
    }
    const ratio = (1 + Math.cos((Math.PI * k) / t)) / (1 + Math.cos((Math.PI * (k - 1)) / t));
    return this.groups.map((g) => ratio * (this.read(g) - eta) + eta);
  }

  protected override closedFormLr(): number[] {
    const { lastEpoch: k, tMax: t, etaMin: eta } = this;
    return this.baseLrs.map((base) => eta + ((base - eta) * (1 + Math.cos((Math.PI * k) / t))) / 2);
  }
}
