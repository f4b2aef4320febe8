import { check, checkNumber, checkPositiveInt, formatValue } from './errors.js';
import type { OptimizerLike } from './optimizer.js';
import { LRScheduler, type SchedulerOptions } from './scheduler.js';

export interface CosineAnnealingWarmRestartsOptions extends SchedulerOptions {
  /** Epochs until the first restart. */
  t0: number;
  /** Period growth factor after each restart (integer >= 1). Default 1. */
  tMult?: number;
  /** Minimum value. Default 0. */
  etaMin?: number;
}

/**
 * torch's CosineAnnealingWarmRestarts (SGDR). `step(epoch)` with a fractional
 * epoch is the documented way to step per batch, so it gives no deprecation warning.
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  t0: number;
  tI: number;
  tMult: number;
  etaMin: number;
  tCur: number;

  constructor(optimizer: OptimizerLike, options: CosineAnnealingWarmRestartsOptions) {
    super(optimizer, options);
    this.t0 = options?.t0;
    this.tMult = options.tMult ?? 1;
    this.etaMin = options.etaMin ?? 0;
    checkPositiveInt('t0', this.t0);
    check(Number.isInteger(this.tMult) && this.tMult >= 1, 'tMult', this.tMult, `tMult must be an integer >= 1, got ${formatValue(this.tMult)}`);
    checkNumber('etaMin', this.etaMin);
    this.tI = this.t0;
    this.tCur = options.lastEpoch ?? -1;
    this.attach(options.lastEpoch);
  }

  protected override stateKeys(): string[] {
    return ['t0', 'tI', 'tMult', 'etaMin', 'tCur'];
  }

  protected computeLr(): number[] {
    const c = 1 + Math.cos((Math.PI * this.tCur) / this.tI);
    return this.baseLrs.map((base) => this.etaMin + ((base - this.etaMin) * c) / 2);
  }

  override step(epoch?: number): void {
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    if (epoch === undefined) {
      epoch = this.lastEpoch + 1;
      this.tCur += 1;
      if (this.tCur >= this.tI) {
        this.tCur -= this.tI;
        this.tI *= this.tMult;
      }
    } else {
      check(typeof epoch === 'number' && epoch >= 0, 'epoch', epoch, `Expected non-negative epoch, but got ${formatValue(epoch)}`);
      if (epoch >= this.t0) {
        if (this.tMult === 1) {
          this.tCur = epoch % this.t0;
        } else {
          const n = Math.trunc(Math.log((epoch / this.t0) * (this.tMult - 1) + 1) / Math.log(this.tMult));
          this.tCur = epoch - (this.t0 * (this.tMult ** n - 1)) / (this.tMult - 1);
          this.tI = this.t0 * this.tMult ** n;
        }
      } else {
        this.tI = this.t0;
        this.tCur = epoch;
      }
    }
    this.lastEpoch = Math.floor(epoch);
    this.apply(this.computeLr());
  }

  override stepTo(epoch: number): void {
    this.step(epoch);
  }
}
