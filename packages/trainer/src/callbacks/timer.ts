import type { Callback } from '../callbacks.js';
import type { Logs, TrainerState } from '../state.js';

const now = () => performance.now();

/**
 * Wall-clock durations: `epoch_runtime` (seconds) in each epoch's log entry,
 * `elapsed` (seconds since training began) in every step and epoch entry, and
 * `epochs` / `total` here afterwards.
 */
export class Timer implements Callback {
  /** Seconds per epoch, in order. */
  readonly epochs: number[] = [];
  /** Seconds of the whole `fit`, once it ended. */
  total = NaN;
  private trainStart = 0;
  private epochStart = 0;

  onTrainBegin(): void {
    this.trainStart = now();
  }

  onEpochBegin(): void {
    this.epochStart = now();
  }

  onStepEnd(_state: TrainerState, logs: Logs): void {
    if (Object.keys(logs).length > 0) logs.elapsed = (now() - this.trainStart) / 1000;
  }

  onEpochEnd(_state: TrainerState, logs: Logs): void {
    const seconds = (now() - this.epochStart) / 1000;
    this.epochs.push(seconds);
    logs.epoch_runtime = seconds;
    logs.elapsed = (now() - this.trainStart) / 1000;
  }

  onTrainEnd(): void {
    this.total = (now() - this.trainStart) / 1000;
  }
}
