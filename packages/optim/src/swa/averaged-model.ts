import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, check, formatValue, toHostTensor, type HostTensor } from '@descent/core';
import { lerp } from '../functional/lerp.js';

// torch.optim.swa_utils (torch 2.x): AveragedModel and its averaging functions.
// tfjs tensors are immutable and a model cannot be deep-copied, so the average
// lives in variables beside the model's, and the functions return new tensors
// where torch's update in place.

/**
 * torch's `avg_fn(averaged_param, current_param, num_averaged)`: the new average of
 * one tensor, as a new tensor (disposed for you). `numAveraged` is `nAveraged`
 * before this update (at least 1).
 */
export type AvgFn = (averaged: tf.Tensor, current: tf.Tensor, numAveraged: number) => tf.Tensor;

/**
 * torch's `multi_avg_fn(averaged_params, current_params, num_averaged)`: the new
 * averages of a list of tensors of one dtype, returned in order (torch's updates
 * the list in place; tfjs tensors are immutable).
 */
export type MultiAvgFn = (averaged: tf.Tensor[], current: tf.Tensor[], numAveraged: number) => tf.Tensor[];

/** A model with named parameters and buffers: a `@descent/nn` Module, or anything shaped like one. */
export interface NamedVariables {
  /** torch's `named_parameters()`: averaged. */
  namedParameters(): Array<[string, tf.Variable]>;
  /** torch's `named_buffers()`: copied from the model at every update, or averaged with `useBuffers`. */
  namedBuffers?(): Array<[string, tf.Variable]>;
}

/**
 * What {@link AveragedModel} averages: a {@link NamedVariables} (a `@descent/nn`
 * Module), a `{ name: tf.Variable }` record or a `tf.Variable[]` (keyed by the
 * variables' names). In a record or array, trainable variables are parameters and
 * the others buffers.
 */
export type AveragedModelSource = NamedVariables | Record<string, tf.Variable> | tf.Variable[];

interface Entry {
  key: string;
  variable: tf.Variable;
  kind: 'parameter' | 'buffer';
}

const isFloat = (t: tf.Tensor) => t.dtype === 'float32';
const asFloat = (t: tf.Tensor) => (isFloat(t) ? t : tf.cast(t, 'float32'));

function checkDecay(decay: number): void {
  check(
    typeof decay === 'number' && decay >= 0 && decay <= 1,
    'decay',
    decay,
    `Invalid decay value ${formatValue(decay)} provided. Please provide a value in [0,1] range.`,
  );
}

/** torch's `get_swa_avg_fn()`: the running mean `avg + (p − avg) / (n + 1)`; AveragedModel's default. */
export function getSwaAvgFn(): AvgFn {
  return (avg, p, n) => tf.add(asFloat(avg), tf.div(asFloat(tf.sub(p, avg)), n + 1));
}

/** torch's `get_ema_avg_fn(decay = 0.999)`: `decay·ema + (1 − decay)·p`. */
export function getEmaAvgFn(decay = 0.999): AvgFn {
  checkDecay(decay);
  return (ema, p) => tf.add(tf.mul(asFloat(ema), decay), tf.mul(asFloat(p), 1 - decay));
}

/**
 * torch's `get_swa_multi_avg_fn()`: float tensors by `lerp(avg, p, 1 / (n + 1))`;
 * integer ones by {@link getSwaAvgFn}'s formula (torch's integer path fails on cpu).
 */
export function getSwaMultiAvgFn(): MultiAvgFn {
  const single = getSwaAvgFn();
  return (avgs, ps, n) => avgs.map((avg, i) => (isFloat(avg) ? lerp(avg, ps[i], 1 / (n + 1)) : single(avg, ps[i], n)));
}

/**
 * torch's `get_ema_multi_avg_fn(decay = 0.999)`, the EMA torch recommends:
 * float tensors by `lerp(ema, p, 1 − decay)`, integer ones by `decay·ema + (1 − decay)·p`.
 */
export function getEmaMultiAvgFn(decay = 0.999): MultiAvgFn {
  const single = getEmaAvgFn(decay);
  return (emas, ps, n) => emas.map((ema, i) => (isFloat(ema) ? lerp(ema, ps[i], 1 - decay) : single(ema, ps[i], n)));
}

const swaAvg = getSwaAvgFn();

function isNamedVariables(m: unknown): m is NamedVariables {
  return typeof m === 'object' && m !== null && typeof (m as NamedVariables).namedParameters === 'function';
}

function named(list: unknown, where: string): Array<[string, tf.Variable]> {
  if (!Array.isArray(list)) throw new InvalidArgumentError('model', list, `AveragedModel: model.${where}() must return [name, tf.Variable] pairs, got ${formatValue(list)}`);
  return list.map((pair: unknown) => {
    const [key, v] = Array.isArray(pair) ? (pair as [unknown, unknown]) : [undefined, undefined];
    if (typeof key !== 'string' || !(v instanceof tf.Variable)) {
      throw new InvalidArgumentError('model', pair, `AveragedModel: model.${where}() must return [name, tf.Variable] pairs, got ${formatValue(pair)}`);
    }
    return [key, v];
  });
}

/** The model's parameters then its buffers, in its order (torch's `parameters()`, `buffers()`). */
function entriesOf(model: AveragedModelSource): Entry[] {
  if (isNamedVariables(model)) {
    return [
      ...named(model.namedParameters(), 'namedParameters').map(([key, variable]) => ({ key, variable, kind: 'parameter' as const })),
      ...(model.namedBuffers ? named(model.namedBuffers(), 'namedBuffers').map(([key, variable]) => ({ key, variable, kind: 'buffer' as const })) : []),
    ];
  }
  const proto = typeof model === 'object' && model !== null ? (Object.getPrototypeOf(model) as unknown) : undefined;
  const isRecord = !Array.isArray(model) && (proto === Object.prototype || proto === null);
  if (!Array.isArray(model) && !isRecord) {
    throw new InvalidArgumentError(
      'model',
      model,
      `Invalid model: ${formatValue(model)} (expected an object with namedParameters() such as a @descent/nn Module, a { name: tf.Variable } record, or a tf.Variable[])`,
    );
  }
  const pairs: Array<[string, unknown]> = Array.isArray(model) ? model.map((v: unknown, i) => [v instanceof tf.Variable ? v.name : String(i), v]) : Object.entries(model);
  if (pairs.length === 0) throw new InvalidArgumentError('model', model, 'AveragedModel: the model has no variables to average');
  const entries = pairs.map(([key, v]) => {
    if (!(v instanceof tf.Variable)) throw new InvalidArgumentError(`model.${key}`, v, `AveragedModel: model.${key} must be a tf.Variable, got ${formatValue(v)}`);
    return { key, variable: v, kind: v.trainable ? ('parameter' as const) : ('buffer' as const) };
  });
  // Parameters first, as torch's chain(parameters(), buffers()).
  return [...entries.filter((e) => e.kind === 'parameter'), ...entries.filter((e) => e.kind === 'buffer')];
}

/** `result` as a tensor of `dtype`: float to int truncates toward zero, as torch's `copy_`. */
function toDtype(result: tf.Tensor, dtype: tf.DataType): tf.Tensor {
  if (result.dtype === dtype) return result;
  if (dtype === 'int32' && result.dtype === 'float32') return tf.cast(tf.mul(tf.sign(result), tf.floor(tf.abs(result))), 'int32');
  return tf.cast(result, dtype);
}

let nextId = 0;

function variableName(key: string): string {
  const registered = tf.engine().registeredVariables;
  let name: string;
  do name = `descent/averaged/${nextId++}/${key}`;
  while (name in registered);
  return name;
}

/** Options of {@link AveragedModel}, torch's keyword arguments in lowerCamelCase. */
export interface AveragedModelOptions {
  /** torch's `avg_fn`, applied to each tensor. Default (neither fn): {@link getSwaAvgFn}, the equal-weight mean. */
  avgFn?: AvgFn;
  /** torch's `multi_avg_fn`, applied to the tensors of each dtype at once: {@link getEmaMultiAvgFn} for an EMA. */
  multiAvgFn?: MultiAvgFn;
  /**
   * torch's `use_buffers`: average the buffers too (integer ones in float32, truncated
   * back, as torch; bool ones are copied). Default false: each update copies the
   * model's buffers, as torch 2.x does.
   */
  useBuffers?: boolean;
}

/** The averaged weights as {@link AveragedModel.stateDict} writes them. */
export interface AveragedModelState {
  nAveraged: number;
  tensors: Record<string, HostTensor>;
}

/**
 * torch.optim.swa_utils.AveragedModel: a running average of a model's weights,
 * SWA's equal-weight mean by default or an EMA (`multiAvgFn: getEmaMultiAvgFn(0.999)`).
 * `updateParameters(model)` copies the weights on its first call (`nAveraged` 0)
 * and averages them in afterwards; `nAveraged` counts the calls.
 *
 * The average is kept in variables of its own (`namedParameters()`, `namedBuffers()`);
 * evaluate with it by putting them into the model: `swapIn()` / `swapOut()` around
 * an evaluation, or `copyTo()` for good.
 */
export class AveragedModel implements NamedVariables {
  /** torch's `n_averaged`. */
  nAveraged = 0;
  readonly useBuffers: boolean;
  private readonly avgFn: AvgFn | undefined;
  private readonly multiAvgFn: MultiAvgFn | undefined;
  private readonly model: AveragedModelSource;
  private readonly averaged: Entry[];
  private swapped: Map<tf.Variable, tf.Tensor> | null = null;

  constructor(model: AveragedModelSource, options: AveragedModelOptions = {}) {
    check(typeof options === 'object' && options !== null, 'options', options);
    const { avgFn, multiAvgFn, useBuffers = false } = options;
    check(avgFn === undefined || typeof avgFn === 'function', 'avgFn', avgFn, `Invalid avgFn: ${formatValue(avgFn)} (expected a function (averaged, current, numAveraged) => tf.Tensor)`);
    check(multiAvgFn === undefined || typeof multiAvgFn === 'function', 'multiAvgFn', multiAvgFn, `Invalid multiAvgFn: ${formatValue(multiAvgFn)} (expected a function (averaged[], current[], numAveraged) => tf.Tensor[])`);
    check(avgFn === undefined || multiAvgFn === undefined, 'multiAvgFn', multiAvgFn, 'Only one of avgFn and multiAvgFn should be provided');
    check(typeof useBuffers === 'boolean', 'useBuffers', useBuffers, `Invalid useBuffers: ${formatValue(useBuffers)} (expected a boolean)`);
    this.avgFn = avgFn;
    this.multiAvgFn = multiAvgFn;
    this.useBuffers = useBuffers;
    this.model = model;
    this.averaged = entriesOf(model).map((e) => ({ ...e, variable: tf.variable(e.variable, false, variableName(e.key), e.variable.dtype) }));
  }

  /** The model's entries, paired with the average's in order (torch zips them); checks count, shape and dtype. */
  private pairs(model: AveragedModelSource = this.model): Array<[Entry, tf.Variable]> {
    const entries = entriesOf(model);
    if (entries.length !== this.averaged.length) {
      throw new InvalidArgumentError('model', entries.length, `AveragedModel: the model has ${entries.length} parameters and buffers, the average ${this.averaged.length}`);
    }
    return this.averaged.map((a, i) => {
      const e = entries[i];
      if (e.kind !== a.kind || e.variable.dtype !== a.variable.dtype || !tf.util.arraysEqual(e.variable.shape, a.variable.shape)) {
        const what = (x: Entry) => `${x.kind} "${x.key}" (${x.variable.dtype} [${x.variable.shape.join(', ')}])`;
        throw new InvalidArgumentError('model', e.key, `AveragedModel: the model's ${what(e)} does not match the average's ${what(a)}`);
      }
      return [e, a.variable];
    });
  }

  /** The averaged parameters (live variables), under the model's names. */
  namedParameters(): Array<[string, tf.Variable]> {
    return this.averaged.filter((e) => e.kind === 'parameter').map((e) => [e.key, e.variable]);
  }

  /** The averaged (or copied) buffers. */
  namedBuffers(): Array<[string, tf.Variable]> {
    return this.averaged.filter((e) => e.kind === 'buffer').map((e) => [e.key, e.variable]);
  }

  /** Parameters then buffers. */
  namedTensors(): Array<[string, tf.Variable]> {
    return this.averaged.map((e) => [e.key, e.variable]);
  }

  /**
   * torch's `update_parameters(model)` (default: the model given to the constructor):
   * copies on the first call, averages afterwards; buffers are copied unless `useBuffers`.
   */
  updateParameters(model?: AveragedModelSource): void {
    const pairs = this.pairs(model);
    const n = this.nAveraged;
    tf.tidy(() => {
      const averagedPairs = pairs.filter(([e]) => (e.kind === 'parameter' || this.useBuffers) && e.variable.dtype !== 'bool');
      if (n === 0) {
        for (const [e, avg] of averagedPairs) avg.assign(e.variable);
      } else if (this.avgFn) {
        for (const [e, avg] of averagedPairs) this.write(avg, this.avgFn(avg, e.variable, n), e.key, 'avgFn');
      } else {
        // torch groups the tensors by dtype for the multi fn (the default runs per tensor on cpu).
        const groups = new Map<tf.DataType, Array<[Entry, tf.Variable]>>();
        for (const p of averagedPairs) groups.set(p[1].dtype, [...(groups.get(p[1].dtype) ?? []), p]);
        for (const group of groups.values()) {
          const avgs = group.map(([, avg]) => avg);
          const results = this.multiAvgFn ? this.multiAvgFn(avgs, group.map(([e]) => e.variable), n) : group.map(([e, avg]) => swaAvg(avg, e.variable, n));
          if (!Array.isArray(results) || results.length !== group.length) {
            throw new InvalidArgumentError('multiAvgFn', results, `AveragedModel: multiAvgFn must return ${group.length} tensors (one per averaged tensor), got ${Array.isArray(results) ? results.length : formatValue(results)}`);
          }
          group.forEach(([e, avg], i) => this.write(avg, results[i], e.key, 'multiAvgFn'));
        }
      }
      const averagedSet = new Set(averagedPairs.map(([e]) => e));
      for (const [e, avg] of pairs) if (!averagedSet.has(e)) avg.assign(e.variable);
    });
    this.nAveraged = n + 1;
  }

  private write(avg: tf.Variable, result: tf.Tensor, key: string, fn: string): void {
    if (!(result instanceof tf.Tensor) || !tf.util.arraysEqual(result.shape, avg.shape)) {
      const got = result instanceof tf.Tensor ? `a tensor of shape [${result.shape.join(', ')}]` : formatValue(result);
      throw new InvalidArgumentError(fn, key, `AveragedModel: ${fn} returned ${got} for "${key}", expected a tensor of shape [${avg.shape.join(', ')}]`);
    }
    avg.assign(toDtype(result, avg.dtype));
  }

  /** Writes the averaged weights into the model (for good). */
  copyTo(model?: AveragedModelSource): void {
    for (const [e, avg] of this.pairs(model)) e.variable.assign(avg);
  }

  /** Puts the averaged weights into the model, keeping its own for {@link swapOut}. */
  swapIn(model?: AveragedModelSource): void {
    if (this.swapped) return;
    const pairs = this.pairs(model);
    this.swapped = new Map(pairs.map(([e]) => [e.variable, tf.keep(tf.clone(e.variable))]));
    for (const [e, avg] of pairs) e.variable.assign(avg);
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

  /** Whether the averaged weights are in the model now (between `swapIn()` and `swapOut()`). */
  get isSwappedIn(): boolean {
    return this.swapped !== null;
  }

  /** `nAveraged` and host copies of the averaged tensors, keyed by name (torch's `state_dict()`). */
  async stateDict(): Promise<AveragedModelState> {
    const tensors: Record<string, HostTensor> = {};
    for (const e of this.averaged) tensors[e.key] = await toHostTensor(e.variable);
    return { nAveraged: this.nAveraged, tensors };
  }

  /** Restores {@link stateDict}'s output; checks every key, dtype and shape before changing anything. */
  loadStateDict(state: AveragedModelState): void {
    check(Number.isInteger(state?.nAveraged) && state.nAveraged >= 0, 'nAveraged', state?.nAveraged, `Invalid nAveraged: ${formatValue(state?.nAveraged)} (expected an integer >= 0)`);
    const tensors = state.tensors ?? {};
    for (const { key, variable: v } of this.averaged) {
      const t = tensors[key];
      if (!t) throw new InvalidArgumentError('state', key, `AveragedModel state: entry "${key}" is missing`);
      if (!tf.util.arraysEqual(t.shape, v.shape) || t.dtype !== v.dtype) {
        throw new InvalidArgumentError('state', key, `AveragedModel state: entry "${key}" is ${t.dtype} [${t.shape.join(', ')}], the average is ${v.dtype} [${v.shape.join(', ')}]`);
      }
    }
    const known = new Set(this.averaged.map((e) => e.key));
    const extra = Object.keys(tensors).filter((k) => !known.has(k));
    if (extra.length) throw new InvalidArgumentError('state', extra, `AveragedModel state: unexpected entries ${extra.map((k) => JSON.stringify(k)).join(', ')}`);
    tf.tidy(() => {
      for (const { key, variable } of this.averaged) variable.assign(tf.tensor(tensors[key].data, tensors[key].shape, tensors[key].dtype));
    });
    this.nAveraged = state.nAveraged;
  }

  /** Frees the averaged variables (after {@link swapOut}). */
  dispose(): void {
    this.swapOut();
    for (const e of this.averaged) e.variable.dispose();
    this.averaged.length = 0;
  }
}
