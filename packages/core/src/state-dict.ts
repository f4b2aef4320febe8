import * as tf from '@tensorflow/tfjs-core';
import { DescentError } from './errors.js';

/** A tensor's values on the host: what a state dict holds instead of a live tensor. */
export interface HostTensor {
  dtype: 'float32' | 'int32' | 'bool';
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array;
}

/** A JSON-safe tree of numbers, strings, booleans, nulls, arrays, objects and tensors. */
export type StateValue =
  | number
  | string
  | boolean
  | null
  | tf.Tensor
  | HostTensor
  | StateValue[]
  | { [key: string]: StateValue };

/** A state dict: named {@link StateValue}s, as torch's `state_dict()` returns them. */
export type StateDict = { [key: string]: StateValue };

/** Anything that can save and restore itself, like torch's `state_dict()` protocol. */
export interface Stateful<S extends StateDict = StateDict> {
  /** The object's state, to save. */
  stateDict(): S;
  /** Restores a state from {@link Stateful.stateDict}. */
  loadStateDict(state: S): void;
}

const TENSOR_TAG = '$tensor';

/** Whether `v` is a {@link HostTensor} (`dtype`, `shape` and a typed array of values). */
export function isHostTensor(v: unknown): v is HostTensor {
  return (
    typeof v === 'object' &&
    v !== null &&
    'dtype' in v &&
    'shape' in v &&
    'data' in v &&
    ArrayBuffer.isView((v as HostTensor).data)
  );
}

/** Reads a tensor back to the host. Async because webgpu cannot read synchronously in Node. */
export async function toHostTensor(t: tf.Tensor): Promise<HostTensor> {
  const dtype = t.dtype as HostTensor['dtype'];
  if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') {
    throw new DescentError(`Cannot serialize a tensor of dtype ${t.dtype}`);
  }
  const data = await t.data();
  return { dtype, shape: [...t.shape], data: hostArray(dtype, data as ArrayLike<number>) };
}

function hostArray(dtype: HostTensor['dtype'], values: ArrayLike<number>): HostTensor['data'] {
  if (dtype === 'float32') return values instanceof Float32Array ? values : Float32Array.from(values);
  if (dtype === 'int32') return values instanceof Int32Array ? values : Int32Array.from(values);
  return values instanceof Uint8Array ? values : Uint8Array.from(values);
}

/** Makes a live tensor from host values. */
export function fromHostTensor(h: HostTensor): tf.Tensor {
  return tf.tensor(h.data, h.shape, h.dtype);
}

/** Replaces every live tensor in a state tree by its host copy. */
export async function stateToHost(state: StateValue): Promise<StateValue> {
  if (state instanceof tf.Tensor) return toHostTensor(state);
  if (Array.isArray(state)) return Promise.all(state.map(stateToHost));
  if (isHostTensor(state) || state === null || typeof state !== 'object') return state;
  const out: Record<string, StateValue> = {};
  for (const [k, v] of Object.entries(state)) out[k] = await stateToHost(v);
  return out;
}

/** Replaces every host tensor in a state tree by a live tensor (the caller owns them). */
export function stateToTensors(state: StateValue): StateValue {
  if (isHostTensor(state)) return fromHostTensor(state);
  if (state instanceof tf.Tensor || state === null || typeof state !== 'object') return state;
  if (Array.isArray(state)) return state.map(stateToTensors);
  const out: Record<string, StateValue> = {};
  for (const [k, v] of Object.entries(state)) out[k] = stateToTensors(v);
  return out;
}

// ---------- JSON form ----------

function base64Encode(bytes: Uint8Array): string {
  if (typeof Buffer !== 'undefined') return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function base64Decode(text: string): Uint8Array {
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(text, 'base64'));
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function bytesOf(h: HostTensor): Uint8Array {
  return new Uint8Array(h.data.buffer, h.data.byteOffset, h.data.byteLength);
}

function typedFromBytes(dtype: HostTensor['dtype'], bytes: Uint8Array): HostTensor['data'] {
  // Copy into a fresh, aligned buffer: the source may sit at any offset.
  const copy = bytes.slice();
  if (dtype === 'float32') return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
  if (dtype === 'int32') return new Int32Array(copy.buffer, 0, copy.byteLength / 4);
  return copy;
}

function checkSize(h: { dtype: string; shape: number[] }, length: number): void {
  const expected = h.shape.reduce((a, b) => a * b, 1);
  if (expected !== length) {
    throw new DescentError(`Corrupt tensor in state dict: shape [${h.shape.join(', ')}] needs ${expected} values, found ${length}`);
  }
}

/**
 * Encodes a state dict as plain JSON: tensors become
 * `{"$tensor": {dtype, shape, data: base64 little-endian}}`.
 */
export async function stateDictToJSON(state: StateDict): Promise<string> {
  const host = (await stateToHost(state)) as StateDict;
  return JSON.stringify(host, (_key, value) => {
    if (isHostTensor(value)) {
      return { [TENSOR_TAG]: { dtype: value.dtype, shape: value.shape, data: base64Encode(bytesOf(value)) } };
    }
    if (typeof value === 'number' && !Number.isFinite(value)) return { $number: String(value) };
    return value;
  });
}

/** Decodes {@link stateDictToJSON}'s output; tensors come back as {@link HostTensor}s. */
export function stateDictFromJSON(json: string): StateDict {
  return JSON.parse(json, (_key, value) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      if (TENSOR_TAG in value) {
        const t = value[TENSOR_TAG] as { dtype: HostTensor['dtype']; shape: number[]; data: string };
        const data = typedFromBytes(t.dtype, base64Decode(t.data));
        checkSize(t, data.length);
        return { dtype: t.dtype, shape: t.shape, data } satisfies HostTensor;
      }
      if ('$number' in value && Object.keys(value).length === 1) return Number(value.$number);
    }
    return value;
  }) as StateDict;
}

// ---------- compact binary form ----------

const MAGIC = 0x44534344; // "DSCD"
const ALIGN = 8;

/**
 * Encodes a state dict compactly, in the spirit of safetensors:
 * `magic u32 | header length u32 | JSON header | padding | raw tensor bytes`.
 * The header holds the whole tree, with each tensor replaced by
 * `{"$tensor": {dtype, shape, offset, length}}` into the byte section.
 */
export async function stateDictToBinary(state: StateDict): Promise<Uint8Array> {
  const host = (await stateToHost(state)) as StateDict;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const header = JSON.stringify(host, (_key, value) => {
    if (isHostTensor(value)) {
      const bytes = bytesOf(value);
      const entry = { dtype: value.dtype, shape: value.shape, offset, length: bytes.byteLength };
      const padded = Math.ceil(bytes.byteLength / ALIGN) * ALIGN;
      chunks.push(bytes);
      if (padded > bytes.byteLength) chunks.push(new Uint8Array(padded - bytes.byteLength));
      offset += padded;
      return { [TENSOR_TAG]: entry };
    }
    if (typeof value === 'number' && !Number.isFinite(value)) return { $number: String(value) };
    return value;
  });
  const headerBytes = new TextEncoder().encode(header);
  const headerEnd = Math.ceil((8 + headerBytes.byteLength) / ALIGN) * ALIGN;
  const out = new Uint8Array(headerEnd + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, headerBytes.byteLength, true);
  out.set(headerBytes, 8);
  out.fill(0x20, 8 + headerBytes.byteLength, headerEnd);
  let pos = headerEnd;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.byteLength;
  }
  return out;
}

/** Decodes {@link stateDictToBinary}'s output, validating every offset. */
export function stateDictFromBinary(bytes: Uint8Array): StateDict {
  if (bytes.byteLength < 8) throw new DescentError(`Corrupt state dict: ${bytes.byteLength} bytes is shorter than its 8-byte preamble`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new DescentError('Not a Descent binary state dict (bad magic number)');
  const headerLength = view.getUint32(4, true);
  if (8 + headerLength > bytes.byteLength) {
    throw new DescentError(`Corrupt state dict: header of ${headerLength} bytes runs past the end (${bytes.byteLength} bytes)`);
  }
  const headerEnd = Math.ceil((8 + headerLength) / ALIGN) * ALIGN;
  const body = bytes.subarray(headerEnd);
  const header = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
  return JSON.parse(header, (_key, value) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      if (TENSOR_TAG in value) {
        const t = value[TENSOR_TAG] as { dtype: HostTensor['dtype']; shape: number[]; offset: number; length: number };
        if (t.offset + t.length > body.byteLength) {
          throw new DescentError(`Corrupt state dict: tensor bytes ${t.offset}..${t.offset + t.length} run past the end (${body.byteLength} bytes)`);
        }
        const data = typedFromBytes(t.dtype, body.subarray(t.offset, t.offset + t.length));
        checkSize(t, data.length);
        return { dtype: t.dtype, shape: t.shape, data } satisfies HostTensor;
      }
      if ('$number' in value && Object.keys(value).length === 1) return Number(value.$number);
    }
    return value;
  }) as StateDict;
}
