import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, formatValue } from '@descent/core';
import { Module } from '@descent/nn';

// Three kinds of model, one interface: a @descent/nn Module, a tfjs-layers
// LayersModel (typed structurally, so tfjs-layers is never imported), and a
// plain `{ forward, variables }`.

/** What tfjs-layers' `LayerVariable` offers that the trainer uses. */
export interface LayerVariableLike {
  readonly name: string;
  readonly originalName?: string;
  readonly trainable: boolean;
  /** The variable's current value. */
  read(): tf.Tensor;
}

/** The part of a tfjs-layers `LayersModel` the trainer uses (`tf.sequential()`, `tf.model()`). */
export interface LayersModelLike {
  /** Runs the model (`training: true` in training steps). */
  apply(inputs: tf.Tensor | tf.Tensor[], kwargs?: { training?: boolean }): unknown;
  readonly trainableWeights: LayerVariableLike[];
  readonly weights: LayerVariableLike[];
  readonly layers: Array<{ readonly name: string; readonly weights: LayerVariableLike[] }>;
}

/**
 * A model as a plain function and its variables. `variables` may be an array
 * (checkpoint keys are the variables' names) or a record (its keys, stable
 * across processes and model instances).
 */
export interface FunctionModel {
  /** Logits for a batch `x`; `training` is true in training steps (dropout, batch-norm statistics). */
  forward: (x: tf.Tensor, training: boolean) => tf.Tensor;
  variables: tf.Variable[] | Record<string, tf.Variable>;
}

/** Anything the trainer can train. */
export type ModelLike = Module | LayersModelLike | FunctionModel;

/** One tensor of a model's checkpointed state. */
export interface ModelStateEntry {
  /** The checkpoint key: torch's name for Modules (`fc.weight`), a stable name otherwise. */
  key: string;
  variable: tf.Variable;
  kind: 'parameter' | 'buffer';
  /** The axes that turn the variable into the layout written to the file (torch's for Modules), or null. */
  filePermutation: number[] | null;
  /** The dtype written to the file: F32, I32, I64 (torch's long) or BOOL. */
  fileDtype: 'F32' | 'I32' | 'I64' | 'BOOL';
}

/** The trainer's view of a model. */
export interface TrainableModel {
  readonly kind: 'module' | 'layers' | 'function';
  /** The model as given. */
  readonly source: ModelLike;
  /** Logits for `x`; a new tensor the caller owns. */
  forward(x: tf.Tensor, training: boolean): tf.Tensor;
  /** The variables gradients are taken for. */
  trainableVariables(): tf.Variable[];
  /** Training mode (dropout, batch-norm statistics); a no-op for function models. */
  setTraining(training: boolean): void;
  /** Every tensor of the model's state, parameters then buffers, in a stable order. */
  stateEntries(): ModelStateEntry[];
}

function fileDtype(v: tf.Variable, intAs: 'I32' | 'I64'): ModelStateEntry['fileDtype'] {
  if (v.dtype === 'float32') return 'F32';
  if (v.dtype === 'int32') return intAs;
  if (v.dtype === 'bool') return 'BOOL';
  throw new InvalidArgumentError('model', v.name, `variable ${v.name} has dtype ${v.dtype}, which checkpoints cannot hold`);
}

function isModule(m: unknown): m is Module {
  if (m instanceof Module) return true;
  // A second copy of @descent/nn (nested installs): recognize the shape.
  const o = m as Partial<Module> | null;
  return typeof o === 'object' && o !== null && typeof o.forward === 'function' && typeof o.stateEntries === 'function' && typeof o.parameters === 'function' && typeof o.train === 'function';
}

function isLayersModel(m: unknown): m is LayersModelLike {
  const o = m as Partial<LayersModelLike> | null;
  return typeof o === 'object' && o !== null && typeof o.apply === 'function' && Array.isArray(o.trainableWeights) && Array.isArray(o.layers);
}

function isFunctionModel(m: unknown): m is FunctionModel {
  const o = m as Partial<FunctionModel> | null;
  return typeof o === 'object' && o !== null && typeof o.forward === 'function' && typeof o.variables === 'object' && o.variables !== null;
}

function single(out: unknown, what: string): tf.Tensor {
  if (out instanceof tf.Tensor) return out;
  if (Array.isArray(out) && out.length === 1 && out[0] instanceof tf.Tensor) return out[0];
  throw new InvalidArgumentError('model', formatValue(out), `${what} must return one tf.Tensor of logits, got ${Array.isArray(out) ? `${out.length} outputs` : typeof out}`);
}

class ModuleModel implements TrainableModel {
  readonly kind = 'module' as const;
  constructor(readonly source: Module) {}
  forward(x: tf.Tensor): tf.Tensor {
    return single(this.source.forward(x), 'Module.forward');
  }
  trainableVariables(): tf.Variable[] {
    return this.source.parameters().filter((p) => p.trainable);
  }
  setTraining(training: boolean): void {
    this.source.train(training);
  }
  stateEntries(): ModelStateEntry[] {
    const seen = new Set<string>();
    const out: ModelStateEntry[] = [];
    for (const e of this.source.stateEntries()) {
      if (seen.has(e.key)) continue;
      seen.add(e.key);
      out.push({ key: e.key, variable: e.tensor, kind: e.kind, filePermutation: e.torchPermutation, fileDtype: fileDtype(e.tensor, 'I64') });
    }
    return out;
  }
}

class LayersModelAdapter implements TrainableModel {
  readonly kind = 'layers' as const;
  constructor(readonly source: LayersModelLike) {}
  forward(x: tf.Tensor, training: boolean): tf.Tensor {
    return single(this.source.apply(x, { training }), 'LayersModel.apply');
  }
  trainableVariables(): tf.Variable[] {
    return this.source.trainableWeights.map((w) => w.read() as tf.Variable);
  }
  setTraining(): void {
    // tfjs-layers takes the mode per call (`apply(x, { training })`).
  }
  stateEntries(): ModelStateEntry[] {
    // Keys by layer position (`0.kernel`, `2.moving_mean`): tfjs-layers makes layer
    // names unique per process, so names would differ between two builds of one model.
    const out: ModelStateEntry[] = [];
    const keys = new Set<string>();
    this.source.layers.forEach((layer, i) => {
      for (const w of layer.weights) {
        const original = w.originalName ?? w.name;
        const rest = original.startsWith(`${layer.name}/`) ? original.slice(layer.name.length + 1) : original;
        let key = `${i}.${rest.replace(/\//g, '.')}`;
        for (let n = 1; keys.has(key); n++) key = `${i}.${rest.replace(/\//g, '.')}_${n}`;
        keys.add(key);
        const variable = w.read() as tf.Variable;
        out.push({ key, variable, kind: w.trainable ? 'parameter' : 'buffer', filePermutation: null, fileDtype: fileDtype(variable, 'I32') });
      }
    });
    return out;
  }
}

class PlainModel implements TrainableModel {
  readonly kind = 'function' as const;
  private readonly named: Array<[string, tf.Variable]>;
  constructor(readonly source: FunctionModel) {
    const vars = source.variables;
    this.named = Array.isArray(vars) ? vars.map((v) => [v.name, v]) : Object.entries(vars);
    for (const [key, v] of this.named) {
      if (!(v instanceof tf.Variable)) throw new InvalidArgumentError(`model.variables.${key}`, v, `model.variables must hold tf.Variable objects, got ${formatValue(v)} at ${JSON.stringify(key)}`);
    }
    if (this.named.length === 0) throw new InvalidArgumentError('model.variables', [], 'model.variables is empty: a function model needs the variables it trains');
  }
  forward(x: tf.Tensor, training: boolean): tf.Tensor {
    return single(this.source.forward(x, training), 'model.forward');
  }
  trainableVariables(): tf.Variable[] {
    return this.named.map(([, v]) => v).filter((v) => v.trainable);
  }
  setTraining(): void {}
  stateEntries(): ModelStateEntry[] {
    return this.named.map(([key, variable]) => ({ key, variable, kind: variable.trainable ? 'parameter' : 'buffer', filePermutation: null, fileDtype: fileDtype(variable, 'I32') }));
  }
}

/** Wraps any supported model in the trainer's interface; throws `InvalidArgumentError` for anything else. */
export function toTrainableModel(model: ModelLike | TrainableModel): TrainableModel {
  if (model instanceof ModuleModel || model instanceof LayersModelAdapter || model instanceof PlainModel) return model;
  if (isModule(model)) return new ModuleModel(model);
  if (isLayersModel(model)) return new LayersModelAdapter(model);
  if (isFunctionModel(model)) return new PlainModel(model);
  throw new InvalidArgumentError(
    'model',
    model,
    `Invalid model: ${formatValue(typeof model === 'object' && model !== null ? Object.keys(model) : model)} (expected a @descent/nn Module, a tfjs-layers LayersModel, or { forward: (x) => logits, variables: tf.Variable[] })`,
  );
}

/** Copies of every state tensor (kept), to put back with {@link restoreSnapshot}. */
export function snapshotState(model: TrainableModel): Map<tf.Variable, tf.Tensor> {
  const out = new Map<tf.Variable, tf.Tensor>();
  for (const e of model.stateEntries()) out.set(e.variable, tf.keep(tf.clone(e.variable)));
  return out;
}

/** Assigns a snapshot back; with `dispose`, frees it. */
export function restoreSnapshot(snapshot: Map<tf.Variable, tf.Tensor>, dispose = true): void {
  for (const [v, t] of snapshot) v.assign(t);
  if (dispose) disposeSnapshot(snapshot);
}

export function disposeSnapshot(snapshot: Map<tf.Variable, tf.Tensor>): void {
  for (const t of snapshot.values()) t.dispose();
  snapshot.clear();
}
