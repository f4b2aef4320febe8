import type { Callback, CallbackContext } from '../callbacks.js';
import type { Logs, TrainerState } from '../state.js';

/** Options of {@link LRMonitor}. */
export interface LRMonitorOptions {
  /** Also log each group's momentum (`momentum`, or `betas[0]` for Adam-style optimizers). Default false. */
  logMomentum?: boolean;
}

/**
 * Lightning's LearningRateMonitor: every param group's learning rate
 * (`lr_group_0`, `lr_group_1`, …) in each step and epoch log entry, and the
 * value of every optimizer step in `history`.
 */
export class LRMonitor implements Callback {
  readonly logMomentum: boolean;
  /** One entry per optimizer step: the groups' learning rates after it. */
  readonly history: Array<{ step: number; lrs: number[] }> = [];

  constructor(options: LRMonitorOptions = {}) {
    this.logMomentum = options.logMomentum ?? false;
  }

  private add(logs: Logs, trainer: CallbackContext['trainer']): void {
    trainer.optimizer.paramGroups.forEach((group, i) => {
      const g = group as { lr: number; momentum?: unknown; betas?: unknown };
      logs[`lr_group_${i}`] = g.lr;
      if (!this.logMomentum) return;
      const momentum = typeof g.momentum === 'number' ? g.momentum : Array.isArray(g.betas) ? (g.betas[0] as number) : undefined;
      if (momentum !== undefined) logs[`momentum_group_${i}`] = momentum;
    });
  }

  onTrainBegin(state: TrainerState): void {
    // After a resume the history restarts at the resumed step.
    while (this.history.length && this.history[this.history.length - 1].step > state.globalStep) this.history.pop();
  }

  onStepEnd(state: TrainerState, logs: Logs, { trainer }: CallbackContext): void {
    this.history.push({ step: state.globalStep, lrs: trainer.optimizer.paramGroups.map((g) => g.lr) });
    if (Object.keys(logs).length > 0) this.add(logs, trainer);
  }

  onEpochEnd(_state: TrainerState, logs: Logs, { trainer }: CallbackContext): void {
    this.add(logs, trainer);
  }
}
