import * as tf from '@tensorflow/tfjs-core';
import { check, InvalidArgumentError, toHostTensor, type HostTensor } from '@descent/core';
import type { Callback, CallbackContext, CallbackState } from '../callbacks.js';
import { disposeSnapshot, restoreSnapshot, snapshotState } from '../model.js';
import type { Logs, TrainerState } from '../state.js';
import type { Trainer } from '../trainer.js';

/** Options of {@link EarlyStopping}. */
export interface EarlyStoppingOptions {
  /** The logged value to watch. Default 'eval_loss' (the train loss when there is no evalLoader). */
  monitor?: string;
  /** Epochs without improvement before stopping. Default 3 (Lightning's). */
  patience?: number;
  /** The least change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** 'min' (default) or 'max'. */
  mode?: 'min' | 'max';
  /** Put the best epoch's weights back when training ends. Default false. */
  restoreBest?: boolean;
}

/**
 * Keras/Lightning early stopping, checked at each epoch's end: stops after
 * `patience` epochs in a row without an improvement of more than `minDelta`.
 * With `restoreBest`, the weights of the best epoch are kept (as device copies)
 * and put back at the end of training.
 */
export class EarlyStopping implements Callback {
  readonly stateKey = 'early_stopping';
  readonly monitor: string;
  readonly patience: number;
  readonly minDelta: number;
  readonly mode: 'min' | 'max';
  readonly restoreBest: boolean;
  best: number;
  bestEpoch = -1;
  wait = 0;
  /** The epoch (0-based) it stopped in, or -1. */
  stoppedEpoch = -1;
  private bestWeights: Map<tf.Variable, tf.Tensor> | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    this.monitor = options.monitor ?? 'eval_loss';
    this.patience = options.patience ?? 3;
    this.minDelta = options.minDelta ?? 0;
    this.mode = options.mode ?? 'min';
    this.restoreBest = options.restoreBest ?? false;
    check(typeof this.monitor === 'string' && this.monitor.length > 0, 'monitor', this.monitor);
    check(Number.isInteger(this.patience) && this.patience >= 0, 'patience', this.patience);
    check(typeof this.minDelta === 'number' && this.minDelta >= 0, 'minDelta', this.minDelta);
    check(this.mode === 'min' || this.mode === 'max', 'mode', this.mode, `Invalid mode: ${JSON.stringify(this.mode)} (expected 'min' or 'max')`);
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  private improved(value: number): boolean {
    return this.mode === 'min' ? value < this.best - this.minDelta : value > this.best + this.minDelta;
  }

  onEpochEnd(state: TrainerState, logs: Logs, { trainer }: CallbackContext): void {
    const value = trainer.monitorValue(this.monitor, logs);
    if (value === undefined) {
      throw new InvalidArgumentError('monitor', this.monitor, `EarlyStopping: "${this.monitor}" is not in the logs (logged: ${Object.keys({ ...state.latest, ...logs }).join(', ')})`);
    }
    if (this.improved(value)) {
      this.best = value;
      this.bestEpoch = state.epoch;
      this.wait = 0;
      if (this.restoreBest) {
        if (this.bestWeights) disposeSnapshot(this.bestWeights);
        this.bestWeights = snapshotState(trainer.model);
      }
      return;
    }
    this.wait++;
    if (this.wait >= this.patience) {
      state.shouldStop = true;
      this.stoppedEpoch = state.epoch;
    }
  }

  onTrainEnd(): void {
    if (this.restoreBest && this.bestWeights) {
      restoreSnapshot(this.bestWeights);
      this.bestWeights = null;
    }
  }

  async stateDict(trainer: Trainer): Promise<CallbackState> {
    const tensors: Record<string, HostTensor> = {};
    if (this.bestWeights) {
      for (const e of trainer.model.stateEntries()) {
        const t = this.bestWeights.get(e.variable);
        if (t) tensors[e.key] = await toHostTensor(t);
      }
    }
    return { json: { best: this.best, bestEpoch: this.bestEpoch, wait: this.wait, stoppedEpoch: this.stoppedEpoch }, tensors };
  }

  loadStateDict(state: CallbackState, trainer: Trainer): void {
    const j = state.json as { best?: unknown; bestEpoch?: unknown; wait?: unknown; stoppedEpoch?: unknown } | null;
    check(j !== null && typeof j.best === 'number' && Number.isInteger(j.wait) && Number.isInteger(j.bestEpoch), 'EarlyStopping state', j);
    const saved = state.tensors ?? {};
    const entries = trainer.model.stateEntries();
    const hasWeights = Object.keys(saved).length > 0;
    if (hasWeights) {
      for (const e of entries) {
        const t = saved[e.key];
        if (!t || !tf.util.arraysEqual(t.shape, e.variable.shape) || t.dtype !== e.variable.dtype) {
          throw new InvalidArgumentError('EarlyStopping state', e.key, `EarlyStopping state: best weights entry "${e.key}" is missing or does not match the model`);
        }
      }
    }
    this.best = j.best as number;
    this.bestEpoch = j.bestEpoch as number;
    this.wait = j.wait as number;
    this.stoppedEpoch = (j.stoppedEpoch as number) ?? -1;
    if (this.bestWeights) disposeSnapshot(this.bestWeights);
    this.bestWeights = hasWeights ? new Map(entries.map((e) => [e.variable, tf.keep(tf.tensor(saved[e.key].data, saved[e.key].shape, saved[e.key].dtype))])) : null;
  }
}
