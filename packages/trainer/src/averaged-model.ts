import * as tf from '@tensorflow/tfjs-core';
import { check, InvalidArgumentError, toHostTensor, type HostTensor } from '@descent/core';
import { toTrainableModel, type ModelLike, type ModelStateEntry, type TrainableModel } from './model.js';

/** `avg_fn(averaged, current, numAveraged)`: the new average, a new tensor. */
export type AvgFn = (averaged: tf.Tensor, current: tf.Tensor, numAveraged: number) => tf.Tensor;

/** torch's `get_ema_avg_fn(decay)`: `decay * ema + (1 - decay) * p`. */
export function emaAvgFn(decay: number): AvgFn {
  check(typeof decay === 'number' && decay >= 0 && decay <= 1, 'decay', decay, `Invalid decay: ${decay} (expected a number in [0, 1])`);
  return (ema, p) => tf.add(tf.mul(ema, decay), tf.mul(p, 1 - decay));
}

/** torch's default (SWA) average: `avg + (p - avg) / (n + 1)`. */
export const swaAvgFn: AvgFn = (avg, p, n) => tf.add(avg, tf.div(tf.sub(p, avg), n + 1));

export interface AveragedModelOptions {
  /** The average; default SWA's equal-weight mean. `decay` gives the EMA instead. */
  avgFn?: AvgFn;
  /** Shorthand for `avgFn: emaAvgFn(decay)`. */
  decay?: number;
  /**
   * Average the buffers too (torch's `use_buffers`). Default false: buffers
   * (BatchNorm's running statistics) are copied from the model at every update.
   */
  useBuffers?: boolean;
}

let nextId = 0;

/**
 * torch.optim.swa_utils.AveragedModel: a running average of a model's weights.
 * `updateParameters(model)` copies the weights on its first call (`nAveraged` 0)
 * and averages them in with `avgFn` afterwards; `nAveraged` counts the calls.
 *
 * tfjs cannot deep-copy an arbitrary model, so the average is kept as variables
 * beside the model's, and used by putting them into the model: `copyTo(model)`,
 * or `swapIn(model)` / `swapOut(model)` around an evaluation.
 */
export class AveragedModel {
  /** torch's `n_averaged`. */
  nAveraged = 0;
  readonly useBuffers: boolean;
  private readonly avgFn: AvgFn;
  private readonly model: TrainableModel;
  private readonly averaged = new Map<string, tf.Variable>();
  private swapped: Map<tf.Variable, tf.Tensor> | null = null;

  constructor(model: ModelLike | TrainableModel, options: AveragedModelOptions = {}) {
    check(options.avgFn === undefined || options.decay === undefined, 'decay', options.decay, 'AveragedModel: pass avgFn or decay, not both');
    this.avgFn = options.avgFn ?? (options.decay !== undefined ? emaAvgFn(options.decay) : swaAvgFn);
    this.useBuffers = options.useBuffers ?? false;
    this.model = toTrainableModel(model);
    const id = nextId++;
    for (const e of this.model.stateEntries()) {
      this.averaged.set(e.key, tf.variable(tf.clone(e.variable), false, `descent/averaged/${id}/${e.key}`));
    }
  }

  private entries(model?: ModelLike | TrainableModel): ModelStateEntry[] {
    const entries = (model === undefined ? this.model : toTrainableModel(model)).stateEntries();
    for (const e of entries) {
      const a = this.averaged.get(e.key);
      if (!a || !tf.util.arraysEqual(a.shape, e.variable.shape)) {
        throw new InvalidArgumentError('model', e.key, `AveragedModel: the model's "${e.key}" ${a ? `has shape [${e.variable.shape.join(', ')}], the average [${a.shape.join(', ')}]` : 'is not in the average'}`);
      }
    }
    return entries;
  }

  /** The averaged tensor of each state key (live variables). */
  namedTensors(): Array<[string, tf.Variable]> {
    return [...this.averaged];
  }

  /** torch's `update_parameters(model)`. */
  updateParameters(model?: ModelLike | TrainableModel): void {
    const entries = this.entries(model);
    const n = this.nAveraged;
    tf.tidy(() => {
      for (const e of entries) {
        const avg = this.averaged.get(e.key)!;
        const average = (e.kind === 'parameter' || this.useBuffers) && e.variable.dtype === 'float32';
        avg.assign(n === 0 || !average ? e.variable : this.avgFn(avg, e.variable, n));
      }
    });
    this.nAveraged = n + 1;
  }

  /** Writes the averaged weights into the model (for good). */
  copyTo(model?: ModelLike | TrainableModel): void {
    const entries = this.entries(model);
    for (const e of entries) e.variable.assign(this.averaged.get(e.key)!);
  }

  /** Puts the averaged weights into the model, keeping its own for {@link swapOut}. */
  swapIn(model?: ModelLike | TrainableModel): void {
    if (this.swapped) return;
    const entries = this.entries(model);
    this.swapped = new Map(entries.map((e) => [e.variable, tf.keep(tf.clone(e.variable))]));
    for (const e of entries) e.variable.assign(this.averaged.get(e.key)!);
  }

  /** Gives the model its own weights back after {@link swapIn}. */
  swapOut(): void {
    if (!this.swapped) return;
    for (const [v, t] of this.swapped) {
      v.assign(t);
      t.dispose();
    }
    this.swapped = null;
  }

  get isSwappedIn(): boolean {
    return this.swapped !== null;
  }

  async stateDict(): Promise<{ nAveraged: number; tensors: Record<string, HostTensor> }> {
    const tensors: Record<string, HostTensor> = {};
    for (const [key, v] of this.averaged) tensors[key] = await toHostTensor(v);
    return { nAveraged: this.nAveraged, tensors };
  }

  /** Restores {@link stateDict}'s output; checks every key and shape first. */
  loadStateDict(state: { nAveraged: number; tensors: Record<string, HostTensor> }): void {
    check(Number.isInteger(state?.nAveraged) && state.nAveraged >= 0, 'nAveraged', state?.nAveraged);
    const keys = Object.keys(state.tensors ?? {});
    for (const [key, v] of this.averaged) {
      const t = state.tensors[key];
      if (!t) throw new InvalidArgumentError('state', key, `AveragedModel state: entry "${key}" is missing`);
      if (!tf.util.arraysEqual(t.shape, v.shape) || t.dtype !== v.dtype) {
        throw new InvalidArgumentError('state', key, `AveragedModel state: entry "${key}" is ${t.dtype} [${t.shape.join(', ')}], the average is ${v.dtype} [${v.shape.join(', ')}]`);
      }
    }
    const extra = keys.filter((k) => !this.averaged.has(k));
    if (extra.length) throw new InvalidArgumentError('state', extra, `AveragedModel state: unexpected entries ${extra.map((k) => JSON.stringify(k)).join(', ')}`);
    tf.tidy(() => {
      for (const [key, v] of this.averaged) v.assign(tf.tensor(state.tensors[key].data, state.tensors[key].shape, state.tensors[key].dtype));
    });
    this.nAveraged = state.nAveraged;
  }

  dispose(): void {
    this.swapOut();
    for (const v of this.averaged.values()) v.dispose();
    this.averaged.clear();
  }
}
