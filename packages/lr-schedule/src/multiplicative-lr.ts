import { lambdasFor, type LrLambda } from './lambda-lr.js';
import type { OptimizerLike } from './optimizer.js';
import { LRScheduler, type SchedulerOptions } from './scheduler.js';

export interface MultiplicativeLROptions extends SchedulerOptions {
  /** The factor applied at each epoch, for all groups or one per group. */
  lrLambda: LrLambda | LrLambda[];
}

/** torch's MultiplicativeLR: each epoch multiplies the current value by `lrLambda(epoch)`. */
export class MultiplicativeLR extends LRScheduler {
  readonly lrLambdas: LrLambda[];

  constructor(optimizer: OptimizerLike, options: MultiplicativeLROptions) {
    super(optimizer, options);
    this.lrLambdas = lambdasFor(optimizer, options?.lrLambda);
    this.attach(options.lastEpoch);
  }

  protected computeLr(): number[] {
    if (this.lastEpoch > 0) return this.groups.map((g, i) => this.read(g) * this.lrLambdas[i]!(this.lastEpoch));
    return this.groups.map((g) => this.read(g));
  }
}
