import type * as tf from '@tensorflow/tfjs-core';
import type { HostTensor } from '@descent/core';
import type { EvaluationResult } from './evaluate.js';
import type { Logs, TrainerState } from './state.js';
import type { Trainer } from './trainer.js';

/** What an event carries besides the state and the logs. */
export interface CallbackContext {
  trainer: Trainer;
  /** onStepEnd: the last micro-batch's loss (0-d, valid during the call; reading it syncs the device). */
  loss?: tf.Scalar;
  /** onStepEnd: whether the optimizer stepped; onBeforeOptimizerStep: always true. */
  stepped?: boolean;
  /** onStepEnd: the GradScaler skipped this step (inf/NaN gradients). */
  skipped?: boolean;
  /** onBeforeOptimizerStep: the gradients about to be applied (unscaled, clipped). */
  grads?: tf.NamedTensorMap;
  /** onEvaluate: the full result (confusion matrix included). */
  evaluation?: EvaluationResult;
  /** onSave: the checkpoint directory just written. */
  checkpointDir?: string;
}

export type CallbackEvent =
  | 'onTrainBegin'
  | 'onTrainEnd'
  | 'onEpochBegin'
  | 'onEpochEnd'
  | 'onStepBegin'
  | 'onStepEnd'
  | 'onBeforeOptimizerStep'
  | 'onEvaluateBegin'
  | 'onEvaluate'
  | 'onLog'
  | 'onSave';

export type CallbackHandler = (state: TrainerState, logs: Logs, context: CallbackContext) => void | Promise<void>;

/** What a callback saves into a checkpoint: JSON, and tensors on the host. */
export interface CallbackState {
  json?: unknown;
  tensors?: Record<string, HostTensor>;
}

/**
 * A training callback with HuggingFace/Lightning event names; every method is
 * optional and may be async (the trainer awaits it). Events, in order:
 *
 * - `onTrainBegin` (after a resume restored everything), then per epoch
 *   `onEpochBegin`, per optimizer step `onStepBegin` → `onBeforeOptimizerStep` →
 *   `onStepEnd` (→ `onLog` on logging steps) (→ `onSave`), and at the epoch's end
 *   `onEvaluateBegin` → `onEvaluate` (with an `evalLoader`) → `onEpochEnd` → `onLog`
 *   (→ `onSave`); finally `onLog` (the run's summary) and `onTrainEnd`.
 * - `logs` of `onStepEnd` and `onEpochEnd` is the entry about to be logged
 *   (empty on steps that do not log): add keys to it there, and every logger sees
 *   them in `onLog`.
 * - Set `state.shouldStop` to stop, `state.shouldSave` to checkpoint.
 */
export interface Callback {
  onTrainBegin?: CallbackHandler;
  onTrainEnd?: CallbackHandler;
  onEpochBegin?: CallbackHandler;
  onEpochEnd?: CallbackHandler;
  onStepBegin?: CallbackHandler;
  onStepEnd?: CallbackHandler;
  onBeforeOptimizerStep?: CallbackHandler;
  onEvaluateBegin?: CallbackHandler;
  onEvaluate?: CallbackHandler;
  onLog?: CallbackHandler;
  onSave?: CallbackHandler;
  /** The key of this callback's state in checkpoints (default: its class name), numbered when repeated. */
  stateKey?: string;
  /** State to put into checkpoints, for a bit-identical resume. */
  stateDict?(trainer: Trainer): CallbackState | Promise<CallbackState>;
  /** Restores {@link stateDict}'s output; should validate before changing anything. */
  loadStateDict?(state: CallbackState, trainer: Trainer): void;
}

/** Runs the callbacks in order, awaiting each. */
export class CallbackList {
  constructor(readonly callbacks: readonly Callback[]) {}

  async fire(event: CallbackEvent, state: TrainerState, logs: Logs, context: CallbackContext): Promise<void> {
    for (const cb of this.callbacks) {
      const handler = cb[event];
      if (handler) await handler.call(cb, state, logs, context);
    }
  }

  /** Stateful callbacks with their checkpoint keys. */
  stateful(): Array<{ key: string; callback: Callback }> {
    const counts = new Map<string, number>();
    const out: Array<{ key: string; callback: Callback }> = [];
    for (const cb of this.callbacks) {
      if (typeof cb.stateDict !== 'function') continue;
      const base = cb.stateKey ?? cb.constructor?.name ?? 'Callback';
      const n = counts.get(base) ?? 0;
      counts.set(base, n + 1);
      out.push({ key: n === 0 ? base : `${base}_${n}`, callback: cb });
    }
    return out;
  }
}
