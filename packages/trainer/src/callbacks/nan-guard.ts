import { brandErrorClass, DescentError } from '@descent/core';
import type { Callback, CallbackContext } from '../callbacks.js';
import type { Logs, TrainerState } from '../state.js';

/** Training stopped on a loss that is NaN or infinite. */
export class NonFiniteLossError extends DescentError {
  override name = 'NonFiniteLossError';
  static {
    brandErrorClass(this, 'NonFiniteLossError');
  }
  constructor(
    readonly step: number,
    readonly epoch: number,
    readonly value: number,
  ) {
    super(
      `Loss is ${value} at step ${step} (epoch ${epoch + 1}): training stopped. ` +
        'Lower the learning rate, clip gradients (maxGradNorm), use amp: \'bfloat16\' or a GradScaler, or check the data for NaN/Infinity.',
    );
  }
}

/** Options of {@link NaNGuard}. */
export interface NaNGuardOptions {
  /**
   * Check every step's loss (true, default: one scalar read per step) or only
   * the logged mean (false: free, but names the logging step).
   */
  everyStep?: boolean;
}

/** Stops training with a {@link NonFiniteLossError} naming the step as soon as the loss is not finite. */
export class NaNGuard implements Callback {
  readonly everyStep: boolean;
  constructor(options: NaNGuardOptions = {}) {
    this.everyStep = options.everyStep ?? true;
  }

  async onStepEnd(state: TrainerState, _logs: Logs, { loss }: CallbackContext): Promise<void> {
    if (!this.everyStep || !loss) return;
    const value = (await loss.data())[0];
    if (!Number.isFinite(value)) throw new NonFiniteLossError(state.globalStep, state.epoch, value);
  }

  onLog(state: TrainerState, logs: Logs): void {
    if (this.everyStep || logs.loss === undefined) return;
    if (!Number.isFinite(logs.loss)) throw new NonFiniteLossError(state.globalStep, state.epoch, logs.loss);
  }
}
