import * as tf from '@tensorflow/tfjs-core';
import {
  DescentError,
  InvalidArgumentError,
  isHostTensor,
  StateRecycler,
  type AttrSpec,
  type AttrValues,
  type FusedOp,
  type HostTensor,
  type StateDict,
  type StateValue,
} from '@descent/core';

/** tfjs's `{ name, tensor }` pair (not exported by tfjs-core's index). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/** Options every optimizer shares. */
export interface BaseOptions {
  lr: number;
  /**
   * `null` (default): run the backend's fused kernel when one is registered, else
   * the composite tfjs ops. `false`: always the composite ops. `true`: require a kernel.
   */
  fused?: boolean | null;
}

/** A param group: its variables and its own copy of every option. Schedulers write to it. */
export type ParamGroup<O> = O & { params: tf.Variable[] };

/** What a constructor takes: variables, or groups `{ params, ...options }`. */
export type Params<O> = tf.Variable[] | Array<{ params: tf.Variable[] } & Partial<O>>;

/** A parameter's state: tensors, and plain numbers such as the step count. */
export type ParamState = Record<string, tf.Tensor | number>;

/** The state dict layout, like torch's: per-parameter state keyed by index, and the groups. */
export interface OptimizerStateDict extends StateDict {
  state: { [index: string]: { [key: string]: number | tf.Tensor | HostTensor } };
  paramGroups: Array<{ [key: string]: StateValue; params: number[] }>;
}

/** One parameter and its gradient, as `stepGroup` sees them. */
export interface StepEntry {
  param: tf.Variable;
  grad: tf.Tensor;
  state: ParamState;
}

function toGradMap(grads: tf.NamedTensorMap | NamedTensor[]): tf.NamedTensorMap {
  if (!Array.isArray(grads)) return grads;
  const map: tf.NamedTensorMap = {};
  for (const { name, tensor } of grads) if (tensor != null) map[name] = tensor;
  return map;
}

function isVariable(v: unknown): v is tf.Variable {
  return v instanceof tf.Variable;
}

/**
 * The base of every Descent optimizer: torch.optim's shape (param groups,
 * per-parameter state, `stateDict`) on top of tfjs's `tf.Optimizer`, so an
 * instance also works in `model.compile({ optimizer })`.
 *
 * Each parameter's update is one fused op; subclasses build its inputs and
 * attributes and call {@link Optimizer.runUpdate}.
 */
export abstract class Optimizer<O extends BaseOptions> extends tf.Optimizer {
  /** The options a new param group inherits. */
  readonly defaults: O;
  /** Mutable plain objects; schedulers change `lr` (and others) between steps. */
  paramGroups: ParamGroup<O>[] = [];
  private readonly states = new Map<tf.Variable, ParamState>();
  /**
   * Lets the cpu kernels write new state into the arrays of this optimizer's own
   * old state tensors (see StateRecycler in @descent/core). Every state tensor
   * this optimizer hands out (`state`, `stateDict()`, `getWeights()`) is exposed
   * to it first, so an array a caller may hold is never overwritten.
   */
  private readonly recycler = new StateRecycler();
  /** Constructed without params: variables are adopted on first sight, as tfjs optimizers do. */
  private readonly adoptsVariables: boolean;

  protected constructor(params: Params<O> | undefined, defaults: O) {
    super();
    this.defaults = defaults;
    this.validate(defaults);
    this.adoptsVariables = params === undefined;
    if (params === undefined) return;
    if (!Array.isArray(params)) {
      throw new InvalidArgumentError('params', params, 'params argument given to the optimizer should be an array of tf.Variable or of param groups');
    }
    if (params.length === 0) throw new InvalidArgumentError('params', params, 'optimizer got an empty parameter list');
    const groups = isVariable(params[0]) ? [{ params: params as tf.Variable[] }] : (params as Array<{ params: tf.Variable[] } & Partial<O>>);
    for (const group of groups) this.addParamGroup(group as { params: tf.Variable[] } & Partial<O>);
  }

  /**
   * Per-parameter state, created on a parameter's first step, like torch's
   * `optimizer.state`. Its tensors are replaced by every step, and those read
   * from here (and their `dataSync()` arrays) keep their values: they are handed
   * out like `stateDict()`'s, never recycled.
   */
  get state(): ReadonlyMap<tf.Variable, Readonly<ParamState>> {
    for (const s of this.states.values()) this.exposeAll(s);
    return this.states;
  }

  private exposeAll(s: ParamState): void {
    for (const v of Object.values(s)) if (v instanceof tf.Tensor) this.recycler.expose(v);
  }

  /** Checks options; throws torch's messages. Called for the defaults and for every group. */
  protected abstract validate(options: Partial<O>): void;

  /** Updates one group's parameters that have gradients. */
  protected abstract stepGroup(group: ParamGroup<O>, entries: StepEntry[]): void;

  /** Adds a group; options it leaves out come from `defaults`, like torch's `add_param_group`. */
  addParamGroup(group: { params: tf.Variable[] | tf.Variable } & Partial<O>): void {
    const params = group.params instanceof tf.Variable ? [group.params] : group.params;
    if (!Array.isArray(params)) throw new InvalidArgumentError('params', params, 'a param group needs params: an array of tf.Variable');
    for (const p of params) {
      if (!isVariable(p)) throw new InvalidArgumentError('params', p, `optimizer can only optimize tf.Variable, but one of the params is ${typeof p}`);
    }
    const merged = { ...this.defaults } as Record<string, unknown>;
    for (const [k, v] of Object.entries(group)) if (v !== undefined) merged[k] = v;
    merged.params = [...params];
    for (const [k, v] of Object.entries(merged)) {
      if (v === undefined) throw new InvalidArgumentError(k, v, `parameter group didn't specify a value of required optimization parameter ${k}`);
    }
    this.validate(merged as Partial<O>);
    if (new Set(params).size !== params.length) {
      throw new InvalidArgumentError('params', params.map((p) => p.name), 'optimizer contains a parameter group with duplicate parameters');
    }
    const existing = new Set(this.paramGroups.flatMap((g) => g.params));
    if (params.some((p) => existing.has(p))) {
      throw new InvalidArgumentError('params', params.map((p) => p.name), 'some parameters appear in more than one parameter group');
    }
    this.paramGroups.push(merged as unknown as ParamGroup<O>);
  }

  /**
   * One optimization step. `grads` maps variable names to gradients, as
   * `tf.variableGrads` returns them. A parameter without a gradient is skipped
   * (torch's `p.grad is None`); gradients of variables this optimizer does not
   * hold are ignored. Gradients are not disposed.
   */
  step(grads: tf.NamedTensorMap): void {
    if (this.adoptsVariables) this.adopt(grads);
    this.beforeStep(grads);
    for (const group of this.paramGroups) {
      const entries: StepEntry[] = [];
      for (const param of group.params) {
        const grad = grads[param.name];
        if (grad == null) continue;
        if (!tf.util.arraysEqual(grad.shape, param.shape)) {
          throw new InvalidArgumentError('grads', grad.shape, `Gradient of ${param.name} has shape [${grad.shape.join(', ')}], but the parameter has shape [${param.shape.join(', ')}]`);
        }
        entries.push({ param, grad, state: this.stateOf(param) });
      }
      this.stepGroup(group, entries);
    }
    this.incrementIterations();
  }

  /** A hook before the groups are stepped (LAMB's global gradient norm). */
  protected beforeStep(_grads: tf.NamedTensorMap): void {}

  /**
   * torch's `zero_grad()` has nothing to do here: gradients are passed to
   * `step()` and never accumulate on the variables. It exists so ported
   * training loops read the same.
   */
  zeroGrad(): void {}

  private adopt(grads: tf.NamedTensorMap): void {
    const known = new Set(this.paramGroups.flatMap((g) => g.params.map((p) => p.name)));
    const fresh: tf.Variable[] = [];
    for (const name of Object.keys(grads)) {
      if (known.has(name) || grads[name] == null) continue;
      const v = tf.engine().registeredVariables[name];
      if (v) fresh.push(v);
    }
    if (fresh.length === 0) return;
    if (this.paramGroups.length === 0) this.addParamGroup({ params: fresh } as { params: tf.Variable[] } & Partial<O>);
    else this.paramGroups[0].params.push(...fresh);
  }

  /** The state of `param`, created empty on first use. */
  protected stateOf(param: tf.Variable): ParamState {
    let s = this.states.get(param);
    if (!s) {
      s = {};
      this.states.set(param, s);
    }
    return s;
  }

  /**
   * Runs `op` (kernel or fallback, per the group's `fused` option) inside a tidy,
   * assigns the new param and replaces the state tensors named in `stateKeys`.
   */
  protected runUpdate<I extends string, Out extends string, A extends AttrSpec>(
    op: FusedOp<I, Out, A>,
    group: ParamGroup<O>,
    entry: StepEntry,
    inputs: () => Record<I, tf.Tensor>,
    attrs: AttrValues<A>,
    stateKeys: readonly Out[],
  ): void {
    tf.tidy(() => {
      const out = this.runOp(op, group, inputs(), attrs);
      entry.param.assign((out as Record<string, tf.Tensor>).param as tf.Tensor);
      for (const key of stateKeys) {
        const old = entry.state[key];
        const next = tf.keep(out[key]);
        this.recycler.adopt(next);
        entry.state[key] = next;
        if (old instanceof tf.Tensor && old !== next) this.recycler.release(old);
      }
    });
  }

  /**
   * Calls `op` as the group's `fused` option says: its kernel where the backend
   * has one (`null`; `true` throws if it has none), or its fallback (`false`).
   * The caller owns the outputs (call it inside a tidy).
   */
  protected runOp<I extends string, Out extends string, A extends AttrSpec>(op: FusedOp<I, Out, A>, group: ParamGroup<O>, inputs: Record<I, tf.Tensor>, attrs: AttrValues<A>): Record<Out, tf.Tensor> {
    const fused = group.fused ?? null;
    if (fused === true && !op.hasKernel()) {
      throw new DescentError(`fused: true, but backend "${tf.getBackend()}" has no ${op.name} kernel`);
    }
    return fused === false ? op.fallback(inputs, attrs) : this.recycler.run(() => op(inputs, attrs));
  }

  /** Makes `state[key]` a zero tensor like `param` if it is missing (inside the caller's tidy or not). */
  protected ensureTensor(state: ParamState, key: string, param: tf.Variable, fill = 0): void {
    if (!(state[key] instanceof tf.Tensor)) state[key] = fill === 0 ? tf.zerosLike(param) : tf.fill(param.shape, fill, 'float32');
  }

  // ---------- tfjs Optimizer contract ----------

  /** tfjs's entry point (`minimize`, tfjs-layers' `fit`): same as `step`. */
  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    this.step(toGradMap(variableGradients));
  }

  /**
   * Computes the gradients of `f` with respect to this optimizer's parameters
   * (or `varList`) and steps. Returns the loss when `returnCost`.
   */
  override minimize(f: () => tf.Scalar, returnCost = false, varList?: tf.Variable[]): tf.Scalar | null {
    const vars = varList ?? (this.adoptsVariables ? undefined : this.paramGroups.flatMap((g) => g.params).filter((v) => v.trainable));
    return super.minimize(f, returnCost, vars);
  }

  /** Every parameter, in group order: the numbering of `stateDict`. */
  protected allParams(): tf.Variable[] {
    return this.paramGroups.flatMap((g) => g.params);
  }

  /** tfjs's weight export: the iteration count, then each state entry as `<variable>/<key>`. */
  override async getWeights(): Promise<NamedTensor[]> {
    const out: NamedTensor[] = [await this.saveIterations()];
    for (const param of this.allParams()) {
      const s = this.states.get(param);
      if (!s) continue;
      for (const [key, value] of Object.entries(s)) {
        if (value instanceof tf.Tensor) this.recycler.expose(value);
        out.push({ name: `${param.name}/${key}`, tensor: value instanceof tf.Tensor ? value : tf.scalar(value, 'float32') });
      }
    }
    return out;
  }

  /**
   * Restores {@link Optimizer.getWeights}'s output (`model.loadLayersModel` with its optimizer); entries of unknown variables are skipped.
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    const byName = new Map(this.allParams().map((p) => [p.name, p]));
    for (const { name, tensor } of rest) {
      const cut = name.lastIndexOf('/');
      const param = byName.get(name.slice(0, cut));
      if (!param) continue;
      const s = this.stateOf(param);
      const key = name.slice(cut + 1);
      const old = s[key];
      if (tensor.rank === 0 && !tf.util.arraysEqual(param.shape, [])) s[key] = (await tensor.data())[0];
      else s[key] = tf.keep(tensor.clone());
      if (old instanceof tf.Tensor) old.dispose();
    }
  }

  /** The defaults, JSON-safe (tfjs serialization and `model.save`). */
  getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {};
    for (const [k, v] of Object.entries(this.defaults)) {
      if (v !== undefined) config[k] = v as tf.serialization.ConfigDictValue;
    }
    return config;
  }

  /** Frees every state tensor. */
  override dispose(): void {
    this.recycler.clear();
    for (const s of this.states.values()) for (const v of Object.values(s)) if (v instanceof tf.Tensor) v.dispose();
    this.states.clear();
    super.dispose();
  }

  // ---------- state dicts ----------

  /**
   * torch's `state_dict()`: `{ state: { [index]: {...} }, paramGroups: [{ ...options, params: [indices] }] }`.
   * Tensors are the live state tensors, valid until the next `step()`: serialize
   * right away with `stateDictToJSON` / `stateDictToBinary` from `@descent/core`.
   * The cpu kernels never reuse the arrays of state returned here, so an array
   * read from it with `dataSync()` keeps its values after later steps.
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<tf.Variable, number>();
    const paramGroups = this.paramGroups.map((group) => {
      const { params, ...options } = group as ParamGroup<O> & Record<string, StateValue>;
      const ids = params.map((p) => {
        if (!index.has(p)) index.set(p, index.size);
        return index.get(p)!;
      });
      return { ...(structuredClone(options) as Record<string, StateValue>), params: ids };
    });
    const state: OptimizerStateDict['state'] = {};
    for (const [param, i] of index) {
      const s = this.states.get(param);
      if (!s || Object.keys(s).length === 0) continue;
      this.exposeAll(s);
      state[String(i)] = { ...s };
    }
    return { state, paramGroups };
  }

  /**
   * torch's `load_state_dict()`. Tensors may be live or host tensors (from
   * `stateDictFromJSON` / `stateDictFromBinary`); they are copied.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const saved = stateDict.paramGroups;
    if (!Array.isArray(saved) || saved.length !== this.paramGroups.length) {
      throw new InvalidArgumentError('stateDict', saved?.length, 'loaded state dict has a different number of parameter groups');
    }
    saved.forEach((g, i) => {
      if (g.params.length !== this.paramGroups[i].params.length) {
        throw new InvalidArgumentError('stateDict', g.params.length, "loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
      }
    });
    const byId = new Map<number, tf.Variable>();
    saved.forEach((g, i) => g.params.forEach((id, j) => byId.set(id, this.paramGroups[i].params[j])));
    // Copy first: the dict may hold this optimizer's own live tensors.
    const loaded = new Map<tf.Variable, ParamState>();
    for (const [id, entry] of Object.entries(stateDict.state ?? {})) {
      const param = byId.get(Number(id));
      if (!param) throw new InvalidArgumentError('stateDict', id, `loaded state dict has state for parameter ${id}, which no group holds`);
      const s: ParamState = {};
      for (const [key, value] of Object.entries(entry)) {
        if (typeof value === 'number') s[key] = value;
        else if (value instanceof tf.Tensor) s[key] = tf.keep(value.clone());
        else if (isHostTensor(value)) s[key] = tf.tensor(value.data, value.shape, value.dtype);
        else throw new InvalidArgumentError('stateDict', value, `loaded state for parameter ${id} has a bad value at "${key}"`);
        const t = s[key];
        if (t instanceof tf.Tensor && !tf.util.arraysEqual(t.shape, param.shape)) {
          throw new InvalidArgumentError('stateDict', t.shape, `loaded state "${key}" of parameter ${id} has shape [${t.shape.join(', ')}], but ${param.name} has shape [${param.shape.join(', ')}]`);
        }
      }
      loaded.set(param, s);
    }
    for (const s of this.states.values()) for (const v of Object.values(s)) if (v instanceof tf.Tensor) v.dispose();
    this.states.clear();
    for (const [param, s] of loaded) this.states.set(param, s);
    saved.forEach((g, i) => {
      const { params: _ids, ...options } = g;
      const group = this.paramGroups[i] as unknown as Record<string, unknown>;
      for (const key of Object.keys(group)) if (key !== 'params' && !(key in options)) delete group[key];
      Object.assign(group, structuredClone(options));
    });
  }
}
