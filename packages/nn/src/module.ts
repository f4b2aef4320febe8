import * as tf from '@tensorflow/tfjs-core';
import { brandErrorClass, InvalidArgumentError, formatValue, isHostTensor, type HostTensor } from '@descent/core';
import { copyHostData, inversePermutation, isPermutation, permuteHost, permuteShape } from './permute.js';
import { shapeString } from './validate.js';

/** A module's state: its live variables under torch's names (`fc.weight`, `0.running_mean`). */
export type ModuleStateDict = Record<string, tf.Variable>;

/** What `loadStateDict` takes: live tensors, or host copies (from JSON, binary or safetensors files). */
export type StateDictInput = Record<string, tf.Tensor | HostTensor>;

/** One tensor of a module's state, as `stateEntries()` lists them. */
export interface StateEntry {
  /** torch's name: `fc.weight`, `1.num_batches_tracked`. */
  key: string;
  tensor: tf.Variable;
  kind: 'parameter' | 'buffer';
  /**
   * The axes that turn this tensor into torch's layout (`tf.transpose(tensor, perm)`), or
   * null where Descent's layout is torch's: Linear's [in, out] weight has [1, 0].
   */
  torchPermutation: number[] | null;
}

/** Options of `registerParameter` and `registerBuffer`. */
export interface RegisterOptions {
  /** See {@link StateEntry.torchPermutation}. */
  torchPermutation?: number[];
  /** Buffers only: false keeps it out of the state dict (torch's `persistent=False`). Default true. */
  persistent?: boolean;
}

/** Options of the `named*` and list queries (`namedParameters`, `buffers`, …), torch's keyword arguments. */
export interface ModuleQueryOptions {
  /** Prepended to every name (torch's `prefix`). */
  prefix?: string;
  /** Include submodules (default true); false: this module's own only. */
  recurse?: boolean;
}

/** Options of {@link Module.loadStateDict}. */
export interface LoadStateDictOptions {
  /** Missing and unexpected keys are errors (default true). Shape and dtype mismatches always are. */
  strict?: boolean;
}

/** torch's `_IncompatibleKeys`: what a non-strict load skipped. */
export interface IncompatibleKeys {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** A failed `loadStateDict`, worded as torch's; the module was left unchanged. */
export class LoadStateDictError extends InvalidArgumentError {
  override name = 'LoadStateDictError';
  static {
    brandErrorClass(this, 'LoadStateDictError');
  }
  constructor(
    readonly moduleName: string,
    readonly missingKeys: string[],
    readonly unexpectedKeys: string[],
    /** The other problems: size and dtype mismatches, values that are not tensors. */
    readonly mismatches: string[],
  ) {
    const quote = (keys: string[]) => keys.map((k) => JSON.stringify(k)).join(', ');
    const messages = [
      ...(missingKeys.length ? [`Missing key(s) in state_dict: ${quote(missingKeys)}. `] : []),
      ...(unexpectedKeys.length ? [`Unexpected key(s) in state_dict: ${quote(unexpectedKeys)}. `] : []),
      ...mismatches,
    ];
    super('stateDict', [...missingKeys, ...unexpectedKeys], `Error(s) in loading state_dict for ${moduleName}:\n\t${messages.join('\n\t')}`);
  }
}

let nextVariableId = 0;

/**
 * tfjs variable names are global and must be unique; torch's name lives in the
 * module tree, so each variable gets `descent/<n>/<Class>.<name>`.
 */
function variableName(owner: string, name: string): string {
  const registered = tf.engine().registeredVariables;
  let id: string;
  do id = `descent/${nextVariableId++}/${owner}.${name}`;
  while (id in registered);
  return id;
}

function indent(text: string): string {
  return text.split('\n').join('\n  ');
}

/**
 * torch.nn.Module: a tree of modules holding parameters (trainable `tf.Variable`s)
 * and buffers (non-trainable `tf.Variable`s such as BatchNorm's running statistics,
 * updated with `assign`). Names, ordering and state-dict keys are torch's.
 *
 * Subclasses register their state in the constructor and implement `forward`,
 * on tfjs layouts (NHWC images, features and classes on the last axis):
 *
 * ```ts
 * class Net extends Module {
 *   fc1 = this.registerModule('fc1', new Linear(784, 128));
 *   fc2 = this.registerModule('fc2', new Linear(128, 10));
 *   forward(x: tf.Tensor) { return this.fc2.forward(tf.relu(this.fc1.forward(x))); }
 * }
 * ```
 */
export abstract class Module {
  /** torch's `training`: set by `train()` / `eval()`, for this module and every submodule. */
  training = true;
  readonly #parameters = new Map<string, tf.Variable | null>();
  readonly #buffers = new Map<string, tf.Variable | null>();
  readonly #modules = new Map<string, Module | null>();
  readonly #permutations = new Map<string, number[]>();
  readonly #nonPersistent = new Set<string>();

  /** The computation, on tfjs layouts. Returns a new tensor the caller owns. */
  abstract forward(x: tf.Tensor): tf.Tensor;

  /** Extra text inside this module's `toString()` parentheses (torch's `extra_repr`). */
  extraRepr(): string {
    return '';
  }

  // ---------- registration ----------

  #checkName(kind: 'parameter' | 'buffer' | 'module', name: unknown): asserts name is string {
    if (typeof name !== 'string') throw new InvalidArgumentError('name', name, `${kind} name should be a string. Got ${formatValue(name)}`);
    if (name === '') throw new InvalidArgumentError('name', name, `${kind} name can't be empty string ""`);
    if (name.includes('.')) throw new InvalidArgumentError('name', name, `${kind} name can't contain ".", got: ${name}`);
    if (this.#parameters.has(name) || this.#buffers.has(name) || this.#modules.has(name)) {
      throw new InvalidArgumentError('name', name, `attribute '${name}' already exists`);
    }
  }

  #adopt(kind: 'parameter' | 'buffer', name: string, value: unknown, options: RegisterOptions): tf.Variable {
    if (!(value instanceof tf.Tensor)) {
      throw new InvalidArgumentError('value', value, `cannot assign ${formatValue(value)} as ${kind} '${name}' (a tf.Tensor, tf.Variable or null is required)`);
    }
    if (value.isDisposed) throw new InvalidArgumentError('value', name, `cannot register ${kind} '${name}': its tensor is disposed`);
    const perm = options.torchPermutation;
    if (perm !== undefined && !isPermutation(perm, value.rank)) {
      throw new InvalidArgumentError('torchPermutation', perm, `torchPermutation of ${kind} '${name}' must be a permutation of the ${value.rank} axes of its tensor, got ${formatValue(perm)}`);
    }
    if (perm) this.#permutations.set(name, [...perm]);
    const trainable = kind === 'parameter';
    if (value instanceof tf.Variable) {
      if (!trainable) value.trainable = false;
      return value;
    }
    // The variable shares the tensor's data; the module owns it from here on.
    const v = tf.variable(value, trainable, variableName(this.constructor.name, name));
    value.dispose();
    return v;
  }

  /**
   * torch's `register_module` / attribute assignment: adds a child under `name` and
   * returns it (`fc = this.registerModule('fc', new Linear(4, 2))`).
   */
  registerModule<M extends Module | null>(name: string, module: M): M {
    this.#checkName('module', name);
    if (module !== null && !(module instanceof Module)) {
      throw new InvalidArgumentError('module', module, `${formatValue(module)} is not a Module subclass`);
    }
    if (module && module.modules().includes(this)) {
      throw new InvalidArgumentError('module', name, `cannot register module '${name}': it contains this module`);
    }
    this.#modules.set(name, module);
    return module;
  }

  /**
   * torch's `register_parameter`: a trainable variable under `name`. A `tf.Variable` is
   * adopted as is; a plain tensor becomes a new variable and is disposed (the module
   * owns its data from then on). `null` registers an absent parameter (`bias=False`),
   * which every listing skips.
   */
  registerParameter(name: string, value: tf.Tensor, options?: RegisterOptions): tf.Variable;
  registerParameter(name: string, value: null, options?: RegisterOptions): null;
  registerParameter(name: string, value: tf.Tensor | null, options?: RegisterOptions): tf.Variable | null;
  registerParameter(name: string, value: tf.Tensor | null, options: RegisterOptions = {}): tf.Variable | null {
    this.#checkName('parameter', name);
    const v = value === null ? null : this.#adopt('parameter', name, value, options);
    this.#parameters.set(name, v);
    return v;
  }

  /**
   * torch's `register_buffer`: non-trainable state saved in the state dict (running
   * statistics, counters), kept as a non-trainable variable so updates are `assign`s.
   * Ownership as for {@link registerParameter}; `persistent: false` lists it in
   * `namedBuffers` but keeps it out of the state dict.
   */
  registerBuffer(name: string, value: tf.Tensor, options?: RegisterOptions): tf.Variable;
  registerBuffer(name: string, value: null, options?: RegisterOptions): null;
  registerBuffer(name: string, value: tf.Tensor | null, options?: RegisterOptions): tf.Variable | null;
  registerBuffer(name: string, value: tf.Tensor | null, options: RegisterOptions = {}): tf.Variable | null {
    this.#checkName('buffer', name);
    const { persistent = true } = options;
    if (typeof persistent !== 'boolean') throw new InvalidArgumentError('persistent', persistent);
    const v = value === null ? null : this.#adopt('buffer', name, value, options);
    this.#buffers.set(name, v);
    if (!persistent) this.#nonPersistent.add(name);
    return v;
  }

  // ---------- listings ----------

  /** Children in registration order, as `[name, module]` (torch's `named_children`). */
  namedChildren(): Array<[string, Module]> {
    const out: Array<[string, Module]> = [];
    const seen = new Set<Module>();
    for (const [name, m] of this.#modules) {
      if (m && !seen.has(m)) {
        seen.add(m);
        out.push([name, m]);
      }
    }
    return out;
  }

  /** The direct submodules, in registration order, each once (torch's `children()`). */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every descendant, pre-order, each once (torch's `named_modules`); this one is named `prefix`. */
  namedModules(prefix = ''): Array<[string, Module]> {
    const out: Array<[string, Module]> = [];
    const seen = new Set<Module>();
    const walk = (m: Module, p: string) => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([p, m]);
      for (const [name, child] of m.#modules) if (child) walk(child, p ? `${p}.${name}` : name);
    };
    walk(this, prefix);
    return out;
  }

  /** This module and every descendant, pre-order, each once (torch's `modules()`). */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  #namedMembers(which: 'parameters' | 'buffers', { prefix = '', recurse = true }: ModuleQueryOptions): Array<[string, tf.Variable]> {
    const out: Array<[string, tf.Variable]> = [];
    const seen = new Set<tf.Variable>();
    const mods: Array<[string, Module]> = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [p, m] of mods) {
      for (const [name, v] of which === 'parameters' ? m.#parameters : m.#buffers) {
        if (!v || seen.has(v)) continue;
        seen.add(v);
        out.push([p ? `${p}.${name}` : name, v]);
      }
    }
    return out;
  }

  /**
   * `[name, variable]` pairs with torch's dotted names (`fc.weight`, `0.bias`): each
   * module's own in registration order, modules pre-order, shared parameters once.
   */
  namedParameters(options: ModuleQueryOptions = {}): Array<[string, tf.Variable]> {
    return this.#namedMembers('parameters', options);
  }

  /**
   * The parameters, for an optimizer: `new AdamW(model.parameters())`, and
   * `tf.variableGrads(loss, model.parameters())` for `optimizer.step(grads)`.
   */
  parameters(options: ModuleQueryOptions = {}): tf.Variable[] {
    return this.namedParameters(options).map(([, v]) => v);
  }

  /**
   * `[name, variable]` pairs of the buffers (BatchNorm's running statistics, …) with torch's dotted names, in torch's order.
   */
  namedBuffers(options: ModuleQueryOptions = {}): Array<[string, tf.Variable]> {
    return this.#namedMembers('buffers', options);
  }

  /** The buffers: non-trainable variables, updated by `assign` (torch's `buffers()`). */
  buffers(options: ModuleQueryOptions = {}): tf.Variable[] {
    return this.namedBuffers(options).map(([, v]) => v);
  }

  /** torch's `get_submodule`: the module at a dotted path (`''` is this one). */
  getSubmodule(target: string): Module {
    if (target === '') return this;
    let m: Module = this;
    for (const part of target.split('.')) {
      const next = m.#modules.get(part);
      if (!next) throw new InvalidArgumentError('target', target, `${m.constructor.name} has no attribute \`${part}\``);
      m = next;
    }
    return m;
  }

  #member(which: 'parameter' | 'buffer', target: string): tf.Variable {
    const cut = target.lastIndexOf('.');
    const owner = this.getSubmodule(cut < 0 ? '' : target.slice(0, cut));
    const name = target.slice(cut + 1);
    const v = (which === 'parameter' ? owner.#parameters : owner.#buffers).get(name);
    if (!v) throw new InvalidArgumentError('target', target, `${owner.constructor.name} has no ${which} \`${name}\``);
    return v;
  }

  /** torch's `get_parameter`: the parameter at a dotted path (`fc.weight`). */
  getParameter(target: string): tf.Variable {
    return this.#member('parameter', target);
  }

  /** torch's `get_buffer`. */
  getBuffer(target: string): tf.Variable {
    return this.#member('buffer', target);
  }

  // ---------- modes ----------

  /** torch's `train(mode)`: sets `training` here and in every submodule. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new InvalidArgumentError('mode', mode, 'training mode is expected to be boolean');
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** torch's `eval()`: `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /**
   * torch's `requires_grad_`: makes every parameter trainable or not (tfjs's
   * `Variable.trainable`, which `tf.variableGrads` and `minimize` honour).
   */
  requiresGrad(requiresGrad = true): this {
    if (typeof requiresGrad !== 'boolean') throw new InvalidArgumentError('requiresGrad', requiresGrad);
    for (const p of this.parameters()) p.trainable = requiresGrad;
    return this;
  }

  /** torch's `apply(fn)`: calls `fn` on every submodule, children first, then on this one. */
  apply(fn: (module: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  // ---------- state ----------

  /**
   * Every tensor of the state dict in torch's order: per module (pre-order), its
   * parameters then its persistent buffers, each in registration order. A tensor reached under
   * two names appears under both, as in torch.
   */
  stateEntries(): StateEntry[] {
    const out: StateEntry[] = [];
    const walk = (m: Module, prefix: string) => {
      const add = (kind: StateEntry['kind'], name: string, v: tf.Variable | null) => {
        if (v) out.push({ key: prefix + name, tensor: v, kind, torchPermutation: m.#permutations.get(name) ?? null });
      };
      for (const [name, v] of m.#parameters) add('parameter', name, v);
      for (const [name, v] of m.#buffers) if (!m.#nonPersistent.has(name)) add('buffer', name, v);
      for (const [name, child] of m.#modules) if (child) walk(child, `${prefix}${name}.`);
    };
    walk(this, '');
    return out;
  }

  /**
   * torch's `state_dict()`: torch's keys in torch's order (see {@link stateEntries}),
   * the values the live variables in Descent's layouts (no copies: serialize before
   * the next step). `moduleToSafetensors` writes torch's layouts.
   */
  stateDict(): ModuleStateDict {
    const out: ModuleStateDict = {};
    for (const e of this.stateEntries()) defineKey(out, e.key, e.tensor);
    return out;
  }

  /**
   * torch's `load_state_dict`: copies every tensor in (live or host tensors, in
   * Descent's layouts). Every key, shape and dtype is checked before anything
   * changes; on any problem it throws a {@link LoadStateDictError} listing them all
   * and leaves the module as it was. Returns the keys a non-strict load skipped.
   */
  loadStateDict(stateDict: StateDictInput, { strict = true }: LoadStateDictOptions = {}): IncompatibleKeys {
    return loadState(this, stateDict, { strict, torchLayout: false });
  }

  /** Frees every parameter and buffer of this module and its submodules. */
  dispose(): void {
    for (const v of [...this.parameters(), ...this.buffers()]) v.dispose();
  }

  /** torch's repr: `Sequential(\n  (0): Linear(inFeatures=4, outFeatures=2, bias=true)\n)`. */
  toString(): string {
    const name = this.constructor.name;
    const extra = this.extraRepr();
    const children = [...this.#modules].filter((e): e is [string, Module] => e[1] !== null).map(([n, m]) => `(${n}): ${indent(m.toString())}`);
    if (children.length === 0) return `${name}(${extra})`;
    const lines = [...(extra ? extra.split('\n') : []), ...children];
    return `${name}(\n  ${lines.join('\n  ')}\n)`;
  }
}

/** Sets a key even when it is `__proto__`. */
function defineKey<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Options of {@link loadState}. */
export interface LoadStateOptions {
  strict: boolean;
  /** The values are in torch's layouts: shapes are checked as torch's and values transposed back. */
  torchLayout: boolean;
  /** How a value's dtype is named in messages (the file's dtype for safetensors). */
  describeDtype?: (key: string, dtype: string) => string;
}

/** The shared body of `loadStateDict` and `loadSafetensorsIntoModule`: validate everything, then assign. */
export function loadState(module: Module, stateDict: StateDictInput, options: LoadStateOptions): IncompatibleKeys {
  if (typeof stateDict !== 'object' || stateDict === null || Array.isArray(stateDict) || stateDict instanceof tf.Tensor) {
    throw new InvalidArgumentError('stateDict', stateDict, `Expected state_dict to be an object of tensors, got ${formatValue(stateDict)}`);
  }
  const describe = options.describeDtype ?? ((_key: string, dtype: string) => dtype);
  const entries = new Map<string, StateEntry>();
  for (const e of module.stateEntries()) if (!entries.has(e.key)) entries.set(e.key, e);
  const keys = Object.keys(stateDict);
  const given = new Set(keys);
  const missingKeys = [...entries.keys()].filter((k) => !given.has(k));
  const unexpectedKeys = keys.filter((k) => !entries.has(k));
  const mismatches: string[] = [];
  const matched: Array<{ entry: StateEntry; value: tf.Tensor | HostTensor }> = [];
  for (const key of keys) {
    const entry = entries.get(key);
    if (!entry) continue;
    const value = stateDict[key];
    const live = value instanceof tf.Tensor;
    if (!live && !isHostTensor(value)) {
      mismatches.push(`While copying the parameter named "${key}", expected a tensor, got ${formatValue(value)}.`);
      continue;
    }
    if (live && value.isDisposed) {
      mismatches.push(`While copying the parameter named "${key}", its tensor is disposed.`);
      continue;
    }
    const shape = [...value.shape];
    if (!live) {
      const h = value as HostTensor;
      const ok = Array.isArray(h.shape) && h.shape.every((d) => Number.isInteger(d) && d >= 0);
      const size = ok ? h.shape.reduce((a, b) => a * b, 1) : NaN;
      if (size !== h.data.length) {
        mismatches.push(`While copying the parameter named "${key}", its shape ${formatValue(h.shape)} needs ${size} values, but it holds ${h.data.length}.`);
        continue;
      }
    }
    const perm = options.torchLayout ? entry.torchPermutation : null;
    const expected = perm ? permuteShape(entry.tensor.shape, perm) : [...entry.tensor.shape];
    if (!tf.util.arraysEqual(shape, expected)) {
      mismatches.push(`size mismatch for ${key}: copying a param with shape ${shapeString(shape)} from checkpoint, the shape in current model is ${shapeString(expected)}.`);
      continue;
    }
    if (value.dtype !== entry.tensor.dtype) {
      mismatches.push(`dtype mismatch for ${key}: copying a param of dtype ${describe(key, value.dtype)} from checkpoint, the dtype in current model is ${entry.tensor.dtype}.`);
      continue;
    }
    matched.push({ entry, value });
  }
  if (mismatches.length > 0 || (options.strict && (missingKeys.length > 0 || unexpectedKeys.length > 0))) {
    throw new LoadStateDictError(module.constructor.name, options.strict ? missingKeys : [], options.strict ? unexpectedKeys : [], mismatches);
  }
  tf.tidy(() => {
    // Every new value first, then the assignments: a value may be one of this module's own variables.
    const updates = matched.map(({ entry, value }) => {
      const perm = options.torchLayout ? entry.torchPermutation : null;
      let next: tf.Tensor;
      if (value instanceof tf.Tensor) next = perm ? tf.transpose(value, inversePermutation(perm)) : tf.clone(value);
      else {
        // A copy either way: backends may keep the array they are given.
        const h = perm ? permuteHost(value, inversePermutation(perm)) : { ...value, data: copyHostData(value.data) };
        next = tf.tensor(h.data, h.shape, h.dtype);
      }
      return [entry.tensor, next] as const;
    });
    for (const [variable, next] of updates) variable.assign(next);
  });
  return { missingKeys, unexpectedKeys };
}
