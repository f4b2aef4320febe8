import { check, type HostTensor } from '@descent/core';
import { AveragedModel } from '../averaged-model.js';
import type { Callback, CallbackContext, CallbackState } from '../callbacks.js';
import type { Logs, TrainerState } from '../state.js';
import type { Trainer } from '../trainer.js';

export interface EMAOptions {
  /** `ema = decay * ema + (1 - decay) * p` after every optimizer step. Default 0.999. */
  decay?: number;
  /** Average the buffers too (default false: copied from the model). */
  useBuffers?: boolean;
  /** Update every this many optimizer steps. Default 1. */
  everySteps?: number;
  /** Write the averaged weights into the model when training ends. Default false. */
  applyAtEnd?: boolean;
}

/**
 * An exponential moving average of the weights (torch's AveragedModel with an
 * EMA avg fn), used for evaluation: the averaged weights are swapped into the
 * model for every `evaluate` and swapped out afterwards. Steps the GradScaler
 * skipped do not update it. Its state goes into checkpoints.
 */
export class EMA implements Callback {
  readonly stateKey = 'ema';
  readonly decay: number;
  readonly useBuffers: boolean;
  readonly everySteps: number;
  readonly applyAtEnd: boolean;
  averaged: AveragedModel | null = null;

  constructor(options: EMAOptions = {}) {
    this.decay = options.decay ?? 0.999;
    check(typeof this.decay === 'number' && this.decay >= 0 && this.decay <= 1, 'decay', this.decay, `Invalid EMA decay: ${this.decay} (expected a number in [0, 1])`);
    this.useBuffers = options.useBuffers ?? false;
    this.everySteps = options.everySteps ?? 1;
    check(Number.isInteger(this.everySteps) && this.everySteps > 0, 'everySteps', this.everySteps);
    this.applyAtEnd = options.applyAtEnd ?? false;
  }

  private ensure(trainer: Trainer): AveragedModel {
    this.averaged ??= new AveragedModel(trainer.model, { decay: this.decay, useBuffers: this.useBuffers });
    return this.averaged;
  }

  onTrainBegin(_state: TrainerState, _logs: Logs, { trainer }: CallbackContext): void {
    this.ensure(trainer);
  }

  onStepEnd(state: TrainerState, _logs: Logs, { trainer, stepped }: CallbackContext): void {
    if (stepped && state.globalStep % this.everySteps === 0) this.ensure(trainer).updateParameters(trainer.model);
  }

  onEvaluateBegin(): void {
    if (this.averaged && this.averaged.nAveraged > 0) this.averaged.swapIn();
  }

  onEvaluate(): void {
    this.averaged?.swapOut();
  }

  onTrainEnd(_state: TrainerState, _logs: Logs, { trainer }: CallbackContext): void {
    this.averaged?.swapOut();
    if (this.applyAtEnd && this.averaged && this.averaged.nAveraged > 0) this.averaged.copyTo(trainer.model);
  }

  async stateDict(): Promise<CallbackState> {
    if (!this.averaged) return { json: { nAveraged: null } };
    const { nAveraged, tensors } = await this.averaged.stateDict();
    return { json: { nAveraged }, tensors };
  }

  loadStateDict(state: CallbackState, trainer: Trainer): void {
    const n = (state.json as { nAveraged?: number | null } | null)?.nAveraged;
    if (n === null || n === undefined) return;
    this.ensure(trainer).loadStateDict({ nAveraged: n, tensors: state.tensors as Record<string, HostTensor> });
  }

  /** Frees the averaged weights. */
  dispose(): void {
    this.averaged?.dispose();
    this.averaged = null;
  }
}
