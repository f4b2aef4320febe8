import { InvalidArgumentError } from '@descent/core';
import type { Callback, CallbackContext, CallbackState, Logs, TrainerState } from '@descent/trainer';

/**
 * Every optimizer step's loss (the step's last micro-batch, as float32 read back),
 * kept in checkpoints (`callbacks.json`) so a resumed run's history is the whole
 * run's. One device read per step: a scalar, on backends that run synchronously anyway.
 */
export class StepLosses implements Callback {
  readonly stateKey = 'StepLosses';
  losses: number[] = [];

  async onStepEnd(state: TrainerState, _logs: Logs, context: CallbackContext): Promise<void> {
    if (!context.loss) return;
    const v = (await context.loss.data())[0]!;
    // A resumed run replays nothing: the history holds exactly the steps before this one.
    this.losses.length = state.globalStep - 1;
    this.losses.push(v);
  }

  stateDict(): CallbackState {
    // JSON has no NaN or Infinity: those go as strings.
    return { json: { losses: this.losses.map((v) => (Number.isFinite(v) ? v : String(v))) } };
  }

  loadStateDict(state: CallbackState): void {
    const raw = (state.json as { losses?: unknown } | null)?.losses;
    if (!Array.isArray(raw) || !raw.every((v) => typeof v === 'number' || v === 'NaN' || v === 'Infinity' || v === '-Infinity')) {
      throw new InvalidArgumentError('StepLosses state', state.json, 'StepLosses: callbacks.json holds no loss history');
    }
    this.losses = raw.map(Number);
  }
}
