import { checkNumber, checkPositiveInt } from './errors.js';
import type { OptimizerLike } from './optimizer.js';
import { LRScheduler, type SchedulerOptions } from './scheduler.js';

export interface PolynomialLROptions extends SchedulerOptions {
  /** Epochs of decay; the value is 0 from then on. Default 5. */
  totalIters?: number;
  /** Power of the polynomial. Default 1. */
  power?: number;
}

/** torch's PolynomialLR: `base * (1 - epoch / totalIters) ** power`, reaching 0 at `totalIters`. */
export class PolynomialLR extends LRScheduler {
  totalIters: number;
  power: number;

  constructor(optimizer: OptimizerLike, options: PolynomialLROptions = {}) {
    super(optimizer, options);
    this.totalIters = options.totalIters ?? 5;
    this.power = options.power ?? 1;
    checkPositiveInt('totalIters', this.totalIters);
    checkNumber('power', this.power);
    this.attach(options.lastEpoch);
  }

  protected override stateKeys(): string[] {
    return ['totalIters', 'power'];
  }

  protected computeLr(): number[] {
    const { lastEpoch: k, totalIters: t } = this;
    if (k === 0 || k > t) return this.groups.map((g) => this.read(g));
    const decay = ((1.0 - k / t) / (1.0 - (k - 1) / t)) ** this.power;
    return this.groups.map((g) => this.read(g) * decay);
  }

  protected override closedFormLr(): number[] {
    const t = this.totalIters;
    return this.baseLrs.map((base) => base * (1.0 - Math.min(t, this.lastEpoch) / t) ** this.power);
  }
}
