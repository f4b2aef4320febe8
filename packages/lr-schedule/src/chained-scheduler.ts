import { groupsOf } from './optimizer.js';
import { check, formatValue, InvalidArgumentError } from './errors.js';
import type { OptimizerLike } from './optimizer.js';
import { ReduceLROnPlateau } from './reduce-lr-on-plateau.js';
import type { Scheduler, SchedulerStateDict } from './scheduler.js';
import { checkChildren, childStates, quietly, type ChildScheduler } from './sequential-lr.js';

/** Options of {@link ChainedScheduler}. */
export interface ChainedSchedulerOptions {
  /**
   * Index of the last epoch when resuming from scratch-built children: the
   * lrs go back to `initialLr`, each child restarts, and `lastEpoch + 1` epochs are
   * replayed, so the chain continues where it stopped.
   */
  lastEpoch?: number;
}

/** torch's ChainedScheduler: every `step()` steps each child in order, so their effects multiply. */
export class ChainedScheduler implements Scheduler {
  readonly optimizer: OptimizerLike;
  readonly schedulers: ChildScheduler[];
  /** Epochs stepped (torch's ChainedScheduler has none; kept for resuming). */
  lastEpoch = 0;
  private lastLr: number[];

  constructor(schedulers: ChildScheduler[], options: ChainedSchedulerOptions = {}) {
    check(Array.isArray(schedulers) && schedulers.length > 0, 'schedulers', schedulers, 'ChainedScheduler needs a non-empty array of schedulers');
    const optimizer = schedulers[0]!.optimizer;
    checkChildren('ChainedScheduler', optimizer, schedulers);
    this.optimizer = optimizer;
    this.schedulers = [...schedulers];
    this.lastLr = groupsOf(optimizer).map((g) => g.lr);
    const lastEpoch = options.lastEpoch ?? -1;
    check(Number.isInteger(lastEpoch) && lastEpoch >= -1, 'lastEpoch', lastEpoch, `lastEpoch must be an integer >= -1, got ${formatValue(lastEpoch)}`);
    if (lastEpoch >= 0) {
      quietly(() => {
        for (const g of groupsOf(optimizer)) if (g.initialLr !== undefined) g.lr = g.initialLr;
        for (const s of this.schedulers) {
          if (s instanceof ReduceLROnPlateau) {
            s.reset();
          } else {
            s.lastEpoch = -1;
            s.initialStep();
          }
        }
        for (let i = 0; i <= lastEpoch; i++) this.advance(undefined);
      });
    }
  }

  /** Steps every child; `metric` goes to ReduceLROnPlateau children. */
  step(metric?: number): void {
    if ((metric === undefined || metric === null) && this.schedulers.some((s) => s instanceof ReduceLROnPlateau)) {
      throw new InvalidArgumentError('metric', metric, 'ChainedScheduler.step(metric): a ReduceLROnPlateau child needs the monitored metric');
    }
    this.advance(metric);
  }

  private advance(metric: number | undefined): void {
    this.lastEpoch += 1;
    for (const s of this.schedulers) {
      if (s instanceof ReduceLROnPlateau) {
        if (metric === undefined) s.skip();
        else s.step(metric);
      } else {
        s.step();
      }
    }
    this.lastLr = groupsOf(this.optimizer).map((g) => g.lr);
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): SchedulerStateDict {
    return { lastEpoch: this.lastEpoch, lastLr: [...this.lastLr], schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  loadStateDict(state: SchedulerStateDict): void {
    const children = childStates(state, this.schedulers.length);
    this.lastEpoch = state.lastEpoch as number;
    this.lastLr = [...(state.lastLr as number[])];
    children.forEach((c, i) => this.schedulers[i]!.loadStateDict(c));
  }
}
