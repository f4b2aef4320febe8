import * as tf from '@tensorflow/tfjs-core';
import { brandErrorClass, DescentError, getDefaultGenerator, isHostTensor, toHostTensor, type GeneratorState, type HostTensor } from '@descent/core';
import type { GradScaler } from '@descent/amp';
import type { DataLoaderState } from '@descent/data';
import type { Scheduler } from '@descent/lr-schedule';
import { decodeSafetensors, encodeSafetensors, loadSafetensorsIntoModule, moduleToSafetensors, type Module, type SafetensorsDtype } from '@descent/nn';
import type { TrainLoader } from './batch.js';
import type { Callback, CallbackState } from './callbacks.js';
import { decodeJson, encodeJson, isPlainObject } from './json.js';
import type { TrainableModel } from './model.js';
import { node, syncDir, writeFileSynced, type NodeModules } from './node.js';
import type { TrainerOptimizer } from './train-step.js';

// One directory per checkpoint, `checkpoint-<step>/`:
//   model.safetensors       the model's state (torch's names and layouts for Modules)
//   optimizer.safetensors   the optimizer's state tensors, `state.<param index>.<key>`
//   optimizer.json          the rest of optimizer.stateDict(), tensors as {"$tensor": name}
//   scheduler.json          { class, state }
//   scaler.json             GradScaler.stateDict()
//   rng_state.json          @descent/core's default Generator
//   data_loader.json        the training loader's state at the start of the current epoch
//   callbacks.json (+ .safetensors)  stateful callbacks (EMA, EarlyStopping)
//   trainer_state.json      counters, log history, best metric, and every file's SHA-256
// written into a temporary directory inside the output folder, flushed, and renamed.

/** The `format` written into `trainer_state.json`; reading checks it. */
export const CHECKPOINT_FORMAT = 'descent-trainer-checkpoint';
/** The checkpoint layout's version, written into `trainer_state.json`; reading checks it. */
export const CHECKPOINT_VERSION = 1;
const TRAINER_STATE = 'trainer_state.json';
const CHECKPOINT_DIR = /^checkpoint-(\d+)$/;

/** A problem with one checkpoint file: the file, and the entries at fault. */
export class CheckpointError extends DescentError {
  override name = 'CheckpointError';
  static {
    brandErrorClass(this, 'CheckpointError');
  }
  constructor(
    readonly checkpoint: string,
    readonly file: string,
    readonly problems: Array<{ entry?: string; message: string }>,
  ) {
    super(
      `Cannot load checkpoint ${checkpoint}: ${file}: ${problems.length === 1 ? problems[0].message : problems.map((p) => `\n  - ${p.message}`).join('')}` +
        '\nNothing was loaded: the model, optimizer and trainer are unchanged.',
    );
  }
  /** The first entry named, if any. */
  get entry(): string | undefined {
    return this.problems.find((p) => p.entry !== undefined)?.entry;
  }
}

/** What a checkpoint saves and restores. */
export interface CheckpointTargets {
  model: TrainableModel;
  optimizer: TrainerOptimizer;
  scheduler?: Scheduler | null;
  scaler?: GradScaler | null;
  loader?: TrainLoader | null;
  callbacks?: Array<{ key: string; callback: Callback }>;
  /** Passed to callbacks' stateDict / loadStateDict. */
  owner?: unknown;
}

/** What a checkpoint holds besides the targets' own state. */
export interface CheckpointPayload {
  /** The trainer's counters and history (JSON). */
  trainerState: Record<string, unknown>;
  /** The loader's state at the start of the current epoch. */
  loaderState: DataLoaderState | null;
}

/** A checkpoint read and validated against the targets, not applied yet. */
export interface PreparedCheckpoint {
  dir: string;
  trainerState: Record<string, unknown>;
  loaderState: DataLoaderState | null;
  /** Assigns everything (model, optimizer, scheduler, scaler, RNG, loader, callbacks). */
  apply(): void;
}

// ---------- writing ----------

async function modelBytes(model: TrainableModel): Promise<Uint8Array> {
  if (model.kind === 'module') return moduleToSafetensors(model.source as Module);
  const tensors: Record<string, HostTensor> = {};
  for (const e of model.stateEntries()) tensors[e.key] = await toHostTensor(e.variable);
  return encodeSafetensors(tensors, { format: 'descent' });
}

interface OptimizerStateDictLike {
  state: Record<string, Record<string, unknown>>;
  paramGroups: Array<Record<string, unknown> & { params: number[] }>;
}

async function optimizerFiles(optimizer: TrainerOptimizer): Promise<{ json: string; tensors: Uint8Array }> {
  const sd = optimizer.stateDict!() as OptimizerStateDictLike;
  const tensors: Record<string, HostTensor> = {};
  const state: Record<string, Record<string, unknown>> = {};
  for (const [index, entry] of Object.entries(sd.state ?? {})) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(entry)) {
      if (value instanceof tf.Tensor || isHostTensor(value)) {
        const name = `state.${index}.${key}`;
        // Read right away: live state tensors are replaced by the next step.
        tensors[name] = value instanceof tf.Tensor ? await toHostTensor(value) : value;
        out[key] = { $tensor: name };
      } else {
        out[key] = value;
      }
    }
    state[index] = out;
  }
  return { json: encodeJson({ state, paramGroups: sd.paramGroups }), tensors: encodeSafetensors(tensors, { format: 'descent' }) };
}

async function callbackFiles(targets: CheckpointTargets): Promise<{ json: string; tensors: Uint8Array } | null> {
  const list = targets.callbacks ?? [];
  if (list.length === 0) return null;
  const json: Record<string, unknown> = {};
  const tensors: Record<string, HostTensor> = {};
  for (const { key, callback } of list) {
    const s = await callback.stateDict!(targets.owner as never);
    json[key] = { json: s.json ?? null, tensors: Object.keys(s.tensors ?? {}) };
    for (const [name, t] of Object.entries(s.tensors ?? {})) tensors[`${key}/${name}`] = t;
  }
  return { json: encodeJson(json), tensors: encodeSafetensors(tensors, { format: 'descent' }) };
}

const text = (s: string) => new TextEncoder().encode(s);

function sha256(m: NodeModules, bytes: Uint8Array): string {
  return m.crypto.createHash('sha256').update(bytes).digest('hex');
}

/**
 * Writes a checkpoint to `dir` (`<outputDir>/checkpoint-<step>`) atomically: into a
 * temporary directory beside it, each file flushed, then renamed into place. An
 * existing checkpoint of that name is replaced.
 */
export async function writeCheckpoint(dir: string, targets: CheckpointTargets, payload: CheckpointPayload): Promise<void> {
  const m = await node('Checkpoints');
  const files = new Map<string, Uint8Array>();
  files.set('model.safetensors', await modelBytes(targets.model));
  if (typeof targets.optimizer.stateDict === 'function') {
    const o = await optimizerFiles(targets.optimizer);
    files.set('optimizer.safetensors', o.tensors);
    files.set('optimizer.json', text(o.json));
  }
  if (targets.scheduler) files.set('scheduler.json', text(encodeJson({ class: targets.scheduler.constructor.name, state: targets.scheduler.stateDict() })));
  if (targets.scaler?.isEnabled()) files.set('scaler.json', text(encodeJson(targets.scaler.stateDict())));
  files.set('rng_state.json', text(encodeJson(getDefaultGenerator().getState())));
  if (payload.loaderState) files.set('data_loader.json', text(encodeJson(payload.loaderState)));
  const cb = await callbackFiles(targets);
  if (cb) {
    files.set('callbacks.json', text(cb.json));
    files.set('callbacks.safetensors', cb.tensors);
  }
  const manifest: Record<string, { bytes: number; sha256: string }> = {};
  for (const [name, bytes] of files) manifest[name] = { bytes: bytes.byteLength, sha256: sha256(m, bytes) };
  files.set(TRAINER_STATE, text(encodeJson({ format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, ...payload.trainerState, files: manifest })));

  const parent = m.path.dirname(dir);
  const name = m.path.basename(dir);
  await m.fs.mkdir(parent, { recursive: true });
  // Not mkdtemp: its 0700 would stay on the checkpoint; mkdir applies the umask.
  const tmp = m.path.join(parent, `.tmp-${name}-${m.crypto.randomBytes(6).toString('hex')}`);
  await m.fs.mkdir(tmp);
  try {
    for (const [file, bytes] of files) await writeFileSynced(m, m.path.join(tmp, file), bytes);
    await syncDir(m, tmp);
    let old: string | undefined;
    if (await exists(m, dir)) {
      old = m.path.join(parent, `.old-${name}-${Date.now().toString(36)}`);
      await m.fs.rename(dir, old);
    }
    await m.fs.rename(tmp, dir);
    await syncDir(m, parent);
    if (old) await m.fs.rm(old, { recursive: true, force: true });
  } catch (err) {
    await m.fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

async function exists(m: NodeModules, p: string): Promise<boolean> {
  try {
    await m.fs.stat(p);
    return true;
  } catch {
    return false;
  }
}

// ---------- listing ----------

/** A checkpoint directory found by {@link listCheckpoints}, and its global step. */
export interface CheckpointInfo {
  dir: string;
  step: number;
}

/** The complete checkpoints in `outputDir` (those with a trainer_state.json), oldest step first. */
export async function listCheckpoints(outputDir: string): Promise<CheckpointInfo[]> {
  const m = await node('Checkpoints');
  let names: string[];
  try {
    names = await m.fs.readdir(outputDir);
  } catch {
    return [];
  }
  const out: CheckpointInfo[] = [];
  for (const name of names) {
    const match = CHECKPOINT_DIR.exec(name);
    if (!match) continue;
    const dir = m.path.join(outputDir, name);
    if (await exists(m, m.path.join(dir, TRAINER_STATE))) out.push({ dir, step: Number(match[1]) });
  }
  return out.sort((a, b) => a.step - b.step);
}

/** `resumeFrom: 'latest'`: the checkpoint with the highest step in `outputDir`. */
export async function latestCheckpoint(outputDir: string): Promise<string> {
  const all = await listCheckpoints(outputDir);
  if (all.length === 0) throw new DescentError(`resumeFrom: 'latest' found no checkpoint-<step> directory in ${outputDir}`);
  return all[all.length - 1].dir;
}

/** A checkpoint's trainer_state.json, parsed (JSON only). */
export async function readTrainerState(dir: string): Promise<Record<string, unknown>> {
  const m = await node('Checkpoints');
  const file = m.path.join(dir, TRAINER_STATE);
  let raw: string;
  try {
    raw = await m.fs.readFile(file, 'utf8');
  } catch (err) {
    throw new CheckpointError(dir, TRAINER_STATE, [{ message: `cannot be read (${(err as Error).message}): is this a checkpoint directory?` }]);
  }
  let parsed: unknown;
  try {
    parsed = decodeJson(raw);
  } catch (err) {
    throw new CheckpointError(dir, TRAINER_STATE, [{ message: `is not valid JSON (${(err as Error).message}): truncated or corrupt` }]);
  }
  if (!isPlainObject(parsed) || parsed.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(dir, TRAINER_STATE, [{ message: `is not a Descent trainer checkpoint (format ${JSON.stringify(isPlainObject(parsed) ? parsed.format : parsed)})` }]);
  }
  if (parsed.version !== CHECKPOINT_VERSION) throw new CheckpointError(dir, TRAINER_STATE, [{ message: `has version ${JSON.stringify(parsed.version)}; this trainer reads version ${CHECKPOINT_VERSION}` }]);
  return parsed;
}

// ---------- reading and validation ----------

type Problem = { entry?: string; message: string };

const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;

function decodeTensors(dir: string, file: string, bytes: Uint8Array) {
  try {
    return decodeSafetensors(bytes);
  } catch (err) {
    const entry = (err as { entry?: string }).entry;
    throw new CheckpointError(dir, file, [{ entry, message: `${(err as Error).message} (truncated or corrupt)` }]);
  }
}

function parseJson(dir: string, file: string, bytes: Uint8Array): unknown {
  try {
    return decodeJson(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new CheckpointError(dir, file, [{ message: `is not valid JSON (${(err as Error).message}): truncated or corrupt` }]);
  }
}

const fileDtypeOk = (expected: string, actual: SafetensorsDtype) => expected === actual || (expected === 'I64' && actual === 'I32') || (expected === 'I32' && actual === 'I64');

function prepareModel(dir: string, bytes: Uint8Array, model: TrainableModel): () => void {
  const file = 'model.safetensors';
  const { tensors, dtypes } = decodeTensors(dir, file, bytes);
  const problems: Problem[] = [];
  const entries = model.stateEntries();
  const expected = new Set(entries.map((e) => e.key));
  for (const e of entries) {
    const t = tensors[e.key];
    if (!Object.prototype.hasOwnProperty.call(tensors, e.key)) {
      problems.push({ entry: e.key, message: `entry "${e.key}" is missing (the model has it, shape ${shapeText(e.variable.shape)})` });
      continue;
    }
    const want = e.filePermutation ? e.filePermutation.map((i) => e.variable.shape[i]) : [...e.variable.shape];
    if (!tf.util.arraysEqual(t.shape, want)) problems.push({ entry: e.key, message: `entry "${e.key}" has shape ${shapeText(t.shape)}, the model's is ${shapeText(want)}` });
    else if (!fileDtypeOk(e.fileDtype, dtypes[e.key])) problems.push({ entry: e.key, message: `entry "${e.key}" has dtype ${dtypes[e.key]}, the model's is ${e.fileDtype}` });
  }
  for (const key of Object.keys(tensors)) if (!expected.has(key)) problems.push({ entry: key, message: `entry "${key}" is not in the model` });
  if (problems.length) throw new CheckpointError(dir, file, problems);
  if (model.kind === 'module') return () => void loadSafetensorsIntoModule(model.source as Module, bytes);
  return () =>
    tf.tidy(() => {
      const next = entries.map((e) => [e.variable, tf.tensor(tensors[e.key].data, tensors[e.key].shape, tensors[e.key].dtype)] as const);
      for (const [v, t] of next) v.assign(t);
    });
}

function optimizerParams(optimizer: TrainerOptimizer): tf.Variable[][] {
  return optimizer.paramGroups.map((g) => {
    const params = (g as { params?: unknown }).params;
    return Array.isArray(params) ? (params as tf.Variable[]) : [];
  });
}

function prepareOptimizer(dir: string, jsonBytes: Uint8Array, tensorBytes: Uint8Array, optimizer: TrainerOptimizer): () => void {
  const jsonFile = 'optimizer.json';
  const file = 'optimizer.safetensors';
  const parsed = parseJson(dir, jsonFile, jsonBytes);
  const { tensors, dtypes } = decodeTensors(dir, file, tensorBytes);
  if (!isPlainObject(parsed) || !isPlainObject(parsed.state) || !Array.isArray(parsed.paramGroups)) {
    throw new CheckpointError(dir, jsonFile, [{ message: 'must hold { state, paramGroups } (optimizer.stateDict())' }]);
  }
  const groups = optimizerParams(optimizer);
  const saved = parsed.paramGroups as unknown[];
  const problems: Problem[] = [];
  if (saved.length !== groups.length) problems.push({ entry: 'paramGroups', message: `has ${saved.length} param groups, the optimizer has ${groups.length}` });
  saved.forEach((g, i) => {
    const n = isPlainObject(g) && Array.isArray(g.params) ? g.params.length : -1;
    if (i < groups.length && n !== groups[i].length) problems.push({ entry: `paramGroups.${i}`, message: `param group ${i} holds ${n} parameters, the optimizer's holds ${groups[i].length}` });
  });
  if (problems.length) throw new CheckpointError(dir, jsonFile, problems);
  const params = groups.flat();
  const used = new Set<string>();
  const tensorProblems: Problem[] = [];
  const state: Record<string, Record<string, unknown>> = {};
  for (const [index, entry] of Object.entries(parsed.state)) {
    const param = /^\d+$/.test(index) ? params[Number(index)] : undefined;
    if (!param || !isPlainObject(entry)) {
      problems.push({ entry: `state.${index}`, message: `state "${index}" belongs to no parameter of the optimizer (it has ${params.length})` });
      continue;
    }
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(entry)) {
      if (isPlainObject(value) && typeof value.$tensor === 'string') {
        const name = value.$tensor;
        const t = tensors[name];
        used.add(name);
        if (!Object.prototype.hasOwnProperty.call(tensors, name)) tensorProblems.push({ entry: name, message: `entry "${name}" is missing` });
        else if (!tf.util.arraysEqual(t.shape, param.shape)) tensorProblems.push({ entry: name, message: `entry "${name}" has shape ${shapeText(t.shape)}, its parameter ${param.name} has ${shapeText(param.shape)}` });
        else if (t.dtype !== param.dtype || dtypes[name] !== 'F32') tensorProblems.push({ entry: name, message: `entry "${name}" has dtype ${dtypes[name]}, its parameter ${param.name} is ${param.dtype}` });
        else out[key] = t;
      } else if (typeof value === 'number') {
        out[key] = value;
      } else {
        problems.push({ entry: `state.${index}.${key}`, message: `state.${index}.${key} is neither a number nor a tensor reference` });
      }
    }
    state[index] = out;
  }
  for (const name of Object.keys(tensors)) if (!used.has(name)) tensorProblems.push({ entry: name, message: `entry "${name}" is not referenced by ${jsonFile}` });
  if (problems.length) throw new CheckpointError(dir, jsonFile, problems);
  if (tensorProblems.length) throw new CheckpointError(dir, file, tensorProblems);
  const dict = { state, paramGroups: saved };
  return () => optimizer.loadStateDict!(dict as never);
}

function prepareScheduler(dir: string, bytes: Uint8Array, scheduler: Scheduler): () => void {
  const file = 'scheduler.json';
  const parsed = parseJson(dir, file, bytes);
  if (!isPlainObject(parsed) || !isPlainObject(parsed.state)) throw new CheckpointError(dir, file, [{ message: 'must hold { class, state }' }]);
  if (parsed.class !== scheduler.constructor.name) {
    throw new CheckpointError(dir, file, [{ entry: 'class', message: `was saved from a ${String(parsed.class)}, the trainer's scheduler is a ${scheduler.constructor.name}` }]);
  }
  const state = parsed.state;
  return () => scheduler.loadStateDict(state);
}

const SCALER_KEYS = ['scale', 'growthFactor', 'backoffFactor', 'growthInterval', 'growthTracker'] as const;

function prepareScaler(dir: string, bytes: Uint8Array, scaler: GradScaler): () => void {
  const file = 'scaler.json';
  const parsed = parseJson(dir, file, bytes);
  const bad = SCALER_KEYS.filter((k) => !isPlainObject(parsed) || typeof parsed[k] !== 'number');
  if (bad.length) throw new CheckpointError(dir, file, bad.map((k) => ({ entry: k, message: `"${k}" must be a number` })));
  return () => scaler.loadStateDict(parsed as never);
}

function isGeneratorState(v: unknown): v is GeneratorState {
  return (
    isPlainObject(v) &&
    v.algorithm === 'xoshiro128**' &&
    Array.isArray(v.s) &&
    v.s.length === 4 &&
    v.s.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff) &&
    (v.spareNormal === null || typeof v.spareNormal === 'number')
  );
}

function prepareLoader(dir: string, bytes: Uint8Array): DataLoaderState {
  const file = 'data_loader.json';
  const parsed = parseJson(dir, file, bytes);
  if (!isPlainObject(parsed) || !Number.isInteger(parsed.epoch) || (parsed.epoch as number) < 0 || !isGeneratorState(parsed.generator)) {
    throw new CheckpointError(dir, file, [{ message: 'must hold a DataLoader state { epoch, generator }' }]);
  }
  return parsed as unknown as DataLoaderState;
}

function prepareCallbacks(dir: string, jsonBytes: Uint8Array, tensorBytes: Uint8Array, targets: CheckpointTargets): Array<() => void> {
  const parsed = parseJson(dir, 'callbacks.json', jsonBytes);
  const { tensors } = decodeTensors(dir, 'callbacks.safetensors', tensorBytes);
  if (!isPlainObject(parsed)) throw new CheckpointError(dir, 'callbacks.json', [{ message: 'must be an object keyed by callback' }]);
  const out: Array<() => void> = [];
  for (const { key, callback } of targets.callbacks ?? []) {
    const saved = parsed[key];
    if (!isPlainObject(saved) || typeof callback.loadStateDict !== 'function') continue;
    const names = Array.isArray(saved.tensors) ? (saved.tensors as string[]) : [];
    const own: Record<string, HostTensor> = {};
    for (const name of names) {
      const t = tensors[`${key}/${name}`];
      if (!t) throw new CheckpointError(dir, 'callbacks.safetensors', [{ entry: `${key}/${name}`, message: `entry "${key}/${name}" is missing` }]);
      own[name] = t;
    }
    const state: CallbackState = { json: saved.json, tensors: own };
    out.push(() => callback.loadStateDict!(state, targets.owner as never));
  }
  return out;
}

/**
 * Reads the checkpoint in `dir` and validates every file against the targets:
 * each tensor's name, shape and dtype, every JSON structure, then each file's
 * SHA-256 against trainer_state.json. Throws a {@link CheckpointError} naming the
 * file and entries on any problem; nothing is changed until `apply()`.
 */
export async function readCheckpoint(dir: string, targets: CheckpointTargets): Promise<PreparedCheckpoint> {
  const m = await node('Checkpoints');
  const trainerState = await readTrainerState(dir);
  const manifest = trainerState.files;
  if (!isPlainObject(manifest)) throw new CheckpointError(dir, TRAINER_STATE, [{ entry: 'files', message: 'lists no files' }]);
  const bytesOf = new Map<string, Uint8Array>();
  const read = async (file: string, required: boolean): Promise<Uint8Array | null> => {
    if (!Object.prototype.hasOwnProperty.call(manifest, file)) {
      if (required) throw new CheckpointError(dir, file, [{ message: 'is not in this checkpoint, but the trainer needs it' }]);
      return null;
    }
    try {
      const b = new Uint8Array(await m.fs.readFile(m.path.join(dir, file)));
      bytesOf.set(file, b);
      return b;
    } catch (err) {
      throw new CheckpointError(dir, file, [{ message: `cannot be read (${(err as Error).message})` }]);
    }
  };
  const applies: Array<() => void> = [];
  const cbJson = await read('callbacks.json', false);
  const cbTensors = await read('callbacks.safetensors', cbJson !== null);
  if (cbJson && cbTensors) applies.push(...prepareCallbacks(dir, cbJson, cbTensors, targets));
  if (typeof targets.optimizer.loadStateDict === 'function') {
    const json = (await read('optimizer.json', true))!;
    const tensors = (await read('optimizer.safetensors', true))!;
    applies.push(prepareOptimizer(dir, json, tensors, targets.optimizer));
  }
  if (targets.scheduler) applies.push(prepareScheduler(dir, (await read('scheduler.json', true))!, targets.scheduler));
  if (targets.scaler?.isEnabled()) {
    const bytes = await read('scaler.json', false);
    if (bytes) applies.push(prepareScaler(dir, bytes, targets.scaler));
  }
  const rngBytes = (await read('rng_state.json', true))!;
  const rng = parseJson(dir, 'rng_state.json', rngBytes);
  if (!isGeneratorState(rng)) throw new CheckpointError(dir, 'rng_state.json', [{ message: 'must hold a Generator state { algorithm: "xoshiro128**", s, spareNormal }' }]);
  const loaderBytes = await read('data_loader.json', false);
  const loaderState = loaderBytes ? prepareLoader(dir, loaderBytes) : null;
  if (targets.loader && loaderState && typeof targets.loader.loadStateDict !== 'function') {
    throw new CheckpointError(dir, 'data_loader.json', [{ message: 'holds a loader position, but the training loader has no loadStateDict()' }]);
  }
  applies.push(prepareModel(dir, (await read('model.safetensors', true))!, targets.model));

  // Structure first (so errors name the entry), then the bytes themselves.
  for (const [file, bytes] of bytesOf) {
    const want = manifest[file] as { bytes?: unknown; sha256?: unknown };
    if (!isPlainObject(want) || want.bytes !== bytes.byteLength || want.sha256 !== sha256(m, bytes)) {
      throw new CheckpointError(dir, file, [{ message: `does not match the size and SHA-256 recorded in ${TRAINER_STATE} (modified or corrupt)` }]);
    }
  }
  return {
    dir,
    trainerState,
    loaderState,
    apply() {
      for (const f of applies) f();
      getDefaultGenerator().setState(rng);
      if (targets.loader && loaderState) targets.loader.loadStateDict!(loaderState);
    },
  };
}
