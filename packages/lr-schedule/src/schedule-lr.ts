import { groupsOf } from './optimizer.js';
import { check, formatValue } from './errors.js';
import type { OptimizerLike } from './optimizer.js';
import { LRScheduler, type SchedulerOptions } from './scheduler.js';
import type { Schedule } from './schedules.js';

export interface ScheduleLROptions extends SchedulerOptions {
  /** One schedule for all groups, or one per group. */
  schedule: Schedule | Schedule[];
  /**
   * `'absolute'` (default): the field is set to `schedule(epoch)`.
   * `'relative'`: to the group's initial value times `schedule(epoch)`, like LambdaLR.
   */
  scale?: 'absolute' | 'relative';
}

/**
 * A class scheduler from any pure schedule: `step()` sets the field to the
 * schedule's value at the new epoch. With `field` it drives momentum,
 * weight decay or any other numeric param-group field, as timm's schedulers do.
 */
export class ScheduleLR extends LRScheduler {
  readonly schedules: Schedule[];
  readonly scale: 'absolute' | 'relative';

  constructor(optimizer: OptimizerLike, options: ScheduleLROptions) {
    super(optimizer, options);
    const s = options?.schedule;
    const n = groupsOf(optimizer).length;
    this.schedules = Array.isArray(s) ? [...s] : new Array<Schedule>(n).fill(s);
    check(
      this.schedules.length === n && this.schedules.every((f) => typeof f === 'function'),
      'schedule',
      s,
      `schedule must be a function or ${n} functions (one per param group), got ${formatValue(s)}`,
    );
    this.scale = options.scale ?? 'absolute';
    check(this.scale === 'absolute' || this.scale === 'relative', 'scale', this.scale, `scale must be 'absolute' or 'relative', got ${formatValue(this.scale)}`);
    this.attach(options.lastEpoch);
  }

  protected computeLr(): number[] {
    const k = this.lastEpoch;
    return this.schedules.map((f, i) => (this.scale === 'absolute' ? f(k) : this.baseLrs[i]! * f(k)));
  }
}
