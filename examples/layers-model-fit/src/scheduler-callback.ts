// A tfjs-layers callback that steps a @descent/lr-schedule scheduler, as Keras'
// LearningRateScheduler does: after every batch (HF-style schedules) or every epoch.
import { Callback } from '@tensorflow/tfjs-layers';
import type { Scheduler } from '@descent/lr-schedule';

export class SchedulerCallback extends Callback {
  constructor(
    readonly scheduler: Scheduler,
    readonly interval: 'batch' | 'epoch' = 'batch',
  ) {
    super();
  }

  // tfjs-layers applies the batch's gradients before onBatchEnd, so this is torch's order:
  // optimizer.step(), then scheduler.step().
  override async onBatchEnd(): Promise<void> {
    if (this.interval === 'batch') this.scheduler.step();
  }

  override async onEpochEnd(): Promise<void> {
    if (this.interval === 'epoch') this.scheduler.step();
  }
}
