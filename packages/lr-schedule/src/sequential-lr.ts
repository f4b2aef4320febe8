import { groupsOf } from './optimizer.js';
import { check, formatValue, InvalidArgumentError } from './errors.js';
import type { OptimizerLike } from './optimizer.js';
import { ReduceLROnPlateau } from './reduce-lr-on-plateau.js';
import { checkOptimizer, LRScheduler, type Scheduler, type SchedulerStateDict } from './scheduler.js';
import { setWarningHandler } from './warnings.js';

/** A scheduler that SequentialLR and ChainedScheduler can hold. */
export type ChildScheduler = LRScheduler | ReduceLROnPlateau;

/** Options of {@link SequentialLR}. */
export interface SequentialLROptions {
  schedulers: ChildScheduler[];
  /** Epochs at which the next scheduler takes over; one fewer than `schedulers`. */
  milestones: number[];
  /**
   * Index of the last epoch when resuming. As for every scheduler, the run
   * continues at `lastEpoch + 1`: SequentialLR replays the epochs so the right
   * child is active with the right state (torch 1.13 gets this wrong, pytorch#162591).
   */
  lastEpoch?: number;
}

export function checkChildren(name: string, optimizer: OptimizerLike, schedulers: unknown): asserts schedulers is ChildScheduler[] {
  check(Array.isArray(schedulers) && schedulers.length > 0, 'schedulers', schedulers, `${name} needs a non-empty array of schedulers`);
  schedulers.forEach((s, i) => {
    check(s instanceof LRScheduler || s instanceof ReduceLROnPlateau, `schedulers[${i}]`, s, `schedulers[${i}] is not a scheduler: ${formatValue(s)}`);
    if (s.optimizer !== optimizer) {
      throw new InvalidArgumentError(`schedulers[${i}]`, i, `${name} expects all schedulers to belong to the same optimizer, but schedulers[${i}] has a different one`);
    }
  });
}

/** Validates a container's state dict and returns its children's states. */
export function childStates(state: SchedulerStateDict, count: number): SchedulerStateDict[] {
  check(state !== null && typeof state === 'object', 'state', state, `state must be an object from stateDict(), got ${formatValue(state)}`);
  const children = state.schedulers as SchedulerStateDict[] | undefined;
  check(Array.isArray(children) && children.length === count, 'state.schedulers', children, `state.schedulers must hold ${count} child states`);
  return children;
}

/** Runs replay steps without warnings: they repeat steps that already warned when they first ran. */
export function quietly(fn: () => void): void {
  const prev = setWarningHandler(() => {});
  try {
    fn();
  } finally {
    setWarningHandler(prev);
  }
}

/**
 * torch's SequentialLR: `schedulers[i]` runs from `milestones[i - 1]`, restarting at its own epoch 0.
 * Beyond torch, a child may be a ReduceLROnPlateau (warmup, then plateau;
 * pytorch#68978): pass the metric to `step(metric)`. On entering a plateau child the
 * lrs go back to the groups' `initialLr` and the plateau's counters reset.
 */
export class SequentialLR implements Scheduler {
  readonly optimizer: OptimizerLike;
  readonly schedulers: ChildScheduler[];
  milestones: number[];
  lastEpoch: number;
  private lastLr: number[];

  constructor(optimizer: OptimizerLike, options: SequentialLROptions) {
    checkOptimizer(optimizer);
    this.optimizer = optimizer;
    const { schedulers, milestones } = options ?? ({} as SequentialLROptions);
    checkChildren('SequentialLR', optimizer, schedulers);
    check(
      Array.isArray(milestones) && milestones.length === schedulers.length - 1,
      'milestones',
      milestones,
      `SequentialLR expects one more scheduler than milestones, but got ${schedulers.length} schedulers and milestones ${formatValue(milestones)}`,
    );
    check(
      milestones.every((m, i) => Number.isInteger(m) && m > 0 && (i === 0 || m > milestones[i - 1]!)),
      'milestones',
      milestones,
      `milestones must be increasing positive integers, got ${formatValue(milestones)}`,
    );
    const lastEpoch = options.lastEpoch ?? -1;
    check(Number.isInteger(lastEpoch) && lastEpoch >= -1, 'lastEpoch', lastEpoch, `lastEpoch must be an integer >= -1, got ${formatValue(lastEpoch)}`);
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    this.lastEpoch = 0;
    // As torch: back to the initial lrs, undo the children's initial steps, start the first child.
    for (const g of groupsOf(optimizer)) {
      if (g.initialLr === undefined) g.initialLr = g.lr;
      g.lr = g.initialLr;
    }
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.schedulers[0]!.initialStep();
    this.lastLr = this.schedulers[0]!.getLastLr();
    if (lastEpoch >= 0) quietly(() => {
      for (let i = 0; i <= lastEpoch; i++) this.advance(undefined);
    });
  }

  private index(epoch: number): number {
    let i = 0;
    while (i < this.milestones.length && this.milestones[i]! <= epoch) i++;
    return i;
  }

  /** Advances one epoch; `metric` goes to a ReduceLROnPlateau child. */
  step(metric?: number): void {
    const idx = this.index(this.lastEpoch + 1);
    if (this.schedulers[idx] instanceof ReduceLROnPlateau && (metric === undefined || metric === null)) {
      throw new InvalidArgumentError('metric', metric, `SequentialLR.step(metric): schedulers[${idx}] is a ReduceLROnPlateau and needs the monitored metric`);
    }
    this.advance(metric);
  }

  private advance(metric: number | undefined): void {
    this.lastEpoch += 1;
    const idx = this.index(this.lastEpoch);
    const child = this.schedulers[idx]!;
    const entering = idx > 0 && this.milestones[idx - 1] === this.lastEpoch;
    if (child instanceof ReduceLROnPlateau) {
      if (entering) {
        for (const g of groupsOf(this.optimizer)) g.lr = g.initialLr as number;
        child.reset();
      }
      if (metric === undefined) child.skip();
      else child.step(metric);
    } else if (entering) {
      child.stepTo(0);
    } else {
      child.step();
    }
    this.lastLr = child.getLastLr();
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): SchedulerStateDict {
    return {
      lastEpoch: this.lastEpoch,
      milestones: [...this.milestones],
      lastLr: [...this.lastLr],
      schedulers: this.schedulers.map((s) => s.stateDict()),
    };
  }

  loadStateDict(state: SchedulerStateDict): void {
    const children = childStates(state, this.schedulers.length);
    this.lastEpoch = state.lastEpoch as number;
    this.milestones = [...(state.milestones as number[])];
    this.lastLr = [...(state.lastLr as number[])];
    children.forEach((c, i) => this.schedulers[i]!.loadStateDict(c));
  }
}
