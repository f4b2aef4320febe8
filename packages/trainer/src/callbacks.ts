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

/** The names of the {@link Callback} events, HuggingFace's and Lightning's. */
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

/** An event handler: the trainer's state, the event's log entry, and what else the event carries; may be async. */
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
  /** Once, when `fit` starts, after a resume restored everything. */
  onTrainBegin?: CallbackHandler;
  /** Once, after the run's summary was logged (`logs` is the summary). */
  onTrainEnd?: CallbackHandler;
  /** At the start of every epoch. */
  onEpochBegin?: CallbackHandler;
  /**
   * At the end of every epoch, after evaluation and the epoch scheduler (`logs` is the epoch's entry: add keys to it).
   */
  onEpochEnd?: CallbackHandler;
  /** Before the first micro-batch of every optimizer step. */
  onStepBegin?: CallbackHandler;
  /**
   * After every optimizer step and the step scheduler (`logs` is the step's entry, empty on steps that do not log; `context.loss`, `stepped`, `skipped`).
   */
  onStepEnd?: CallbackHandler;
  /** When the gradients are final (unscaled and clipped, in `context.grads`), before the optimizer applies them. */
  onBeforeOptimizerStep?: CallbackHandler;
  /** Before every evaluation. */
  onEvaluateBegin?: CallbackHandler;
  /** After every evaluation (`logs`: the eval metrics; `context.evaluation`: the full result). */
  onEvaluate?: CallbackHandler;
  /** For every log entry: steps, epochs and the summary. */
  onLog?: CallbackHandler;
  /** After a checkpoint was written (`context.checkpointDir`). */
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

  /** Calls `event`'s handler of every callback that has one, in order, awaiting each. */
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
