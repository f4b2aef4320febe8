import { checkNumber, checkPositiveInt } from './errors.js';
import type { OptimizerLike } from './optimizer.js';
import { LRScheduler, type SchedulerOptions } from './scheduler.js';

export interface StepLROptions extends SchedulerOptions {
  /** Period of decay, in epochs. */
  stepSize: number;
  /** Multiplicative decay. Default 0.1. */
  gamma?: number;
}

/** torch's StepLR: multiplies by `gamma` every `stepSize` epochs. */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;

  constructor(optimizer: OptimizerLike, options: StepLROptions) {
    super(optimizer, options);
    this.stepSize = options?.stepSize;
    this.gamma = options.gamma ?? 0.1;
    checkPositiveInt('stepSize', this.stepSize);
    checkNumber('gamma', this.gamma);
    this.attach(options.lastEpoch);
  }

  protected override stateKeys(): string[] {
    return ['stepSize', 'gamma'];
  }

  protected computeLr(): number[] {
    const decay = this.lastEpoch !== 0 && this.lastEpoch % this.stepSize === 0;
    return this.groups.map((g) => (decay ? this.read(g) * this.gamma : this.read(g)));
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}
