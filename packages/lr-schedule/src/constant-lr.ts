import { checkInRange, checkNonNegativeInt } from './errors.js';
import type { OptimizerLike } from './optimizer.js';
import { LRScheduler, type SchedulerOptions } from './scheduler.js';

export interface ConstantLROptions extends SchedulerOptions {
  /** Multiplier until `totalIters`. Default 1/3. */
  factor?: number;
  /** Epochs the multiplier lasts. Default 5. */
  totalIters?: number;
}

/** torch's ConstantLR: `factor` times the value until `totalIters`, then the value itself. */
export class ConstantLR extends LRScheduler {
  factor: number;
  totalIters: number;

  constructor(optimizer: OptimizerLike, options: ConstantLROptions = {}) {
    super(optimizer, options);
    this.factor = options.factor ?? 1 / 3;
    this.totalIters = options.totalIters ?? 5;
    checkInRange('factor', this.factor, 0, 1);
    checkNonNegativeInt('totalIters', this.totalIters);
    this.attach(options.lastEpoch);
  }

  protected override stateKeys(): string[] {
    return ['factor', 'totalIters'];
  }

  protected computeLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => this.read(g) * this.factor);
    if (this.lastEpoch !== this.totalIters) return this.groups.map((g) => this.read(g));
    return this.groups.map((g) => this.read(g) * (1.0 / this.factor));
  }

  protected override closedFormLr(): number[] {
    const done = this.lastEpoch >= this.totalIters ? 1 : 0;
    return this.baseLrs.map((base) => base * (this.factor + done * (1 - this.factor)));
  }
}
