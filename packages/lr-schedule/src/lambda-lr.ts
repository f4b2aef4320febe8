import { groupsOf } from './optimizer.js';
import { check, formatValue } from './errors.js';
import type { OptimizerLike } from './optimizer.js';
import { LRScheduler, type SchedulerOptions } from './scheduler.js';

/** A multiplicative factor as a function of the epoch. */
export type LrLambda = (epoch: number) => number;

export interface LambdaLROptions extends SchedulerOptions {
  /** One function for all groups, or one per group. */
  lrLambda: LrLambda | LrLambda[];
}

export function lambdasFor(optimizer: OptimizerLike, lrLambda: LrLambda | LrLambda[]): LrLambda[] {
  const n = groupsOf(optimizer).length;
  if (Array.isArray(lrLambda)) {
    check(lrLambda.length === n, 'lrLambda', lrLambda, `Expected ${n} lrLambda functions (one per param group), but got ${lrLambda.length}`);
    lrLambda.forEach((f, i) => check(typeof f === 'function', `lrLambda[${i}]`, f, `lrLambda[${i}] must be a function, got ${formatValue(f)}`));
    return [...lrLambda];
  }
  check(typeof lrLambda === 'function', 'lrLambda', lrLambda, `lrLambda must be a function or an array of functions, got ${formatValue(lrLambda)}`);
  return new Array<LrLambda>(n).fill(lrLambda);
}

/** torch's LambdaLR: each group's value is its initial value times `lrLambda(epoch)`. */
export class LambdaLR extends LRScheduler {
  readonly lrLambdas: LrLambda[];

  constructor(optimizer: OptimizerLike, options: LambdaLROptions) {
    super(optimizer, options);
    this.lrLambdas = lambdasFor(optimizer, options?.lrLambda);
    this.attach(options.lastEpoch);
  }

  protected computeLr(): number[] {
    return this.baseLrs.map((base, i) => base * this.lrLambdas[i]!(this.lastEpoch));
  }
}
