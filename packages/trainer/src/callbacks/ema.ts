import { check, type HostTensor } from '@descent/core';
import type { Module } from '@descent/nn';
import { AveragedModel, getEmaMultiAvgFn, type AveragedModelSource, type MultiAvgFn } from '@descent/optim';
import type { Callback, CallbackContext, CallbackState } from '../callbacks.js';
import type { TrainableModel } from '../model.js';
import type { Logs, TrainerState } from '../state.js';
import type { Trainer } from '../trainer.js';

/** Options of {@link EMA}. */
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
 * What the average is taken of: a Module itself (torch's `parameters()` and
 * `buffers()`); any other model through its state entries (trainable ones are
 * parameters), under the checkpoint's keys.
 */
function averagingSource(model: TrainableModel): AveragedModelSource {
  if (model.kind === 'module') return model.source as Module;
  const named = (kind: 'parameter' | 'buffer') => () => model.stateEntries().flatMap((e): Array<[string, typeof e.variable]> => (e.kind === kind ? [[e.key, e.variable]] : []));
  return { namedParameters: named('parameter'), namedBuffers: named('buffer') };
}

/**
 * An exponential moving average of the weights (`@descent/optim`'s AveragedModel
 * with `getEmaMultiAvgFn(decay)`, as torch 2.x recommends), used for evaluation:
 * the averaged weights are swapped into the model for every `evaluate` and
 * swapped out afterwards. Steps the GradScaler
 * skipped do not update it. Its state goes into checkpoints.
 */
export class EMA implements Callback {
  readonly stateKey = 'ema';
  readonly decay: number;
  readonly useBuffers: boolean;
  readonly everySteps: number;
  readonly applyAtEnd: boolean;
  averaged: AveragedModel | null = null;
  private readonly multiAvgFn: MultiAvgFn;

  constructor(options: EMAOptions = {}) {
    this.decay = options.decay ?? 0.999;
    this.multiAvgFn = getEmaMultiAvgFn(this.decay); // checks decay
    this.useBuffers = options.useBuffers ?? false;
    this.everySteps = options.everySteps ?? 1;
    check(Number.isInteger(this.everySteps) && this.everySteps > 0, 'everySteps', this.everySteps);
    this.applyAtEnd = options.applyAtEnd ?? false;
  }

  private ensure(trainer: Trainer): AveragedModel {
    this.averaged ??= new AveragedModel(averagingSource(trainer.model), { multiAvgFn: this.multiAvgFn, useBuffers: this.useBuffers });
    return this.averaged;
  }

  onTrainBegin(_state: TrainerState, _logs: Logs, { trainer }: CallbackContext): void {
    this.ensure(trainer);
  }

  onStepEnd(state: TrainerState, _logs: Logs, { trainer, stepped }: CallbackContext): void {
    if (stepped && state.globalStep % this.everySteps === 0) this.ensure(trainer).updateParameters();
  }

  onEvaluateBegin(): void {
    if (this.averaged && this.averaged.nAveraged > 0) this.averaged.swapIn();
  }

  onEvaluate(): void {
    this.averaged?.swapOut();
  }

  onTrainEnd(): void {
    this.averaged?.swapOut();
    if (this.applyAtEnd && this.averaged && this.averaged.nAveraged > 0) this.averaged.copyTo();
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
