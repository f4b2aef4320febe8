import { InvalidArgumentError, formatValue } from '@descent/core';
import { LRScheduler, type OptimizerLike, type SchedulerOptions } from '@descent/lr-schedule';

export interface SWALROptions extends SchedulerOptions {
  /** The learning rate to anneal to: one for every group, or one per group (torch's `swa_lr`, kept as each group's `swaLr`). */
  swaLr: number | number[];
  /** Epochs of annealing (default 10; 0 jumps straight to `swaLr`). */
  annealEpochs?: number;
  /** `'cos'` (default) or `'linear'`. */
  annealStrategy?: 'cos' | 'linear';
}

const anneal = {
  cos: (t: number) => (1 - Math.cos(Math.PI * t)) / 2,
  linear: (t: number) => t,
};

/**
 * torch.optim.swa_utils.SWALR: anneals each group's learning rate to a fixed
 * `swaLr` over `annealEpochs` epochs, for stochastic weight averaging with
 * {@link AveragedModel}. Like torch's, it is chainable: each step starts from the
 * group's current `lr`, so it can take over from another scheduler mid-run (it is
 * a `@descent/lr-schedule` LRScheduler, for SequentialLR too).
 *
 * ```ts
 * const swaScheduler = new SWALR(opt, { swaLr: 0.05, annealEpochs: 5, annealStrategy: 'linear' });
 * for (let epoch = 0; epoch < epochs; epoch++) {
 *   train();
 *   if (epoch > swaStart) { swa.updateParameters(model); swaScheduler.step(); } else scheduler.step();
 * }
 * await updateBn(loader, swa);
 * ```
 */
export class SWALR extends LRScheduler {
  readonly annealEpochs: number;
  readonly annealStrategy: 'cos' | 'linear';

  constructor(optimizer: OptimizerLike, options: SWALROptions) {
    super(optimizer, { ...options, field: 'lr' });
    const { swaLr, annealEpochs = 10, annealStrategy = 'cos' } = options ?? ({} as SWALROptions);
    const groups = this.groups;
    const lrs = Array.isArray(swaLr) ? swaLr : groups.map(() => swaLr);
    if (lrs.length !== groups.length) {
      throw new InvalidArgumentError('swaLr', swaLr, `swa_lr must have the same length as optimizer.param_groups: swa_lr has ${lrs.length}, optimizer.param_groups has ${groups.length}`);
    }
    for (const lr of lrs) if (typeof lr !== 'number' || !Number.isFinite(lr)) throw new InvalidArgumentError('swaLr', swaLr, `Invalid swa_lr value: ${formatValue(lr)}`);
    if (annealStrategy !== 'cos' && annealStrategy !== 'linear') {
      throw new InvalidArgumentError('annealStrategy', annealStrategy, `anneal_strategy must be one of 'cos' or 'linear', instead got ${formatValue(annealStrategy)}`);
    }
    if (!Number.isInteger(annealEpochs) || annealEpochs < 0) {
      throw new InvalidArgumentError('annealEpochs', annealEpochs, `anneal_epochs must be equal or greater than 0, got ${formatValue(annealEpochs)}`);
    }
    lrs.forEach((lr, i) => (groups[i].swaLr = lr));
    this.annealEpochs = annealEpochs;
    this.annealStrategy = annealStrategy;
    this.attach(options.lastEpoch);
  }

  protected override stateKeys(): string[] {
    return ['annealEpochs', 'annealStrategy'];
  }

  /** torch's `get_lr`: undoes the last step's interpolation from the current `lr`, then applies this step's. */
  protected computeLr(): number[] {
    const f = anneal[this.annealStrategy];
    let step = this.stepCount - 1;
    if (this.annealEpochs === 0) step = Math.max(1, step);
    const span = Math.max(1, this.annealEpochs);
    const prevAlpha = f(Math.max(0, Math.min(1, (step - 1) / span)));
    const alpha = f(Math.max(0, Math.min(1, step / span)));
    return this.groups.map((g) => {
      const swaLr = g.swaLr as number;
      const prevLr = prevAlpha === 1 ? swaLr : (g.lr - prevAlpha * swaLr) / (1 - prevAlpha);
      return swaLr * alpha + prevLr * (1 - alpha);
    });
  }
}
