import { checkNumber } from './errors.js';
import type { OptimizerLike } from './optimizer.js';
import { LRScheduler, type SchedulerOptions } from './scheduler.js';

export interface ExponentialLROptions extends SchedulerOptions {
  /** Multiplicative decay per epoch. */
  gamma: number;
}

/** torch's ExponentialLR: multiplies by `gamma` every epoch. */
export class ExponentialLR extends LRScheduler {
  gamma: number;

  constructor(optimizer: OptimizerLike, options: ExponentialLROptions) {
    super(optimizer, options);
    this.gamma = options?.gamma;
    checkNumber('gamma', this.gamma);
    this.attach(options.lastEpoch);
  }

  protected override stateKeys(): string[] {
    return ['gamma'];
  }

  protected computeLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => this.read(g));
    return this.groups.map((g) => this.read(g) * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * this.gamma ** this.lastEpoch);
  }
}
