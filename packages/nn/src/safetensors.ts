import { brandErrorClass, DescentError, formatValue, isHostTensor, type HostTensor } from '@descent/core';

// The safetensors format (huggingface/safetensors): an 8-byte little-endian header
// length N, N bytes of JSON `{name: {dtype, shape, data_offsets: [begin, end]},
// "__metadata__"?: {string: string}}` (padded with spaces), then the tensors'
// little-endian bytes, contiguous, offsets relative to the end of the header.
// Decoding checks everything the reference implementation checks, and never
// evaluates anything from the file.

/** The dtype names of the safetensors format. */
export type SafetensorsDtype = 'BOOL' | 'U8' | 'I8' | 'I16' | 'U16' | 'F16' | 'BF16' | 'I32' | 'U32' | 'F32' | 'F64' | 'I64' | 'U64';

const ITEM_SIZE: Record<SafetensorsDtype, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

/** The host dtype each file dtype is read into: floats become float32, integers int32 (range-checked). */
const HOST_DTYPE: Record<SafetensorsDtype, HostTensor['dtype']> = {
  BOOL: 'bool',
  U8: 'int32',
  I8: 'int32',
  I16: 'int32',
  U16: 'int32',
  F16: 'float32',
  BF16: 'float32',
  I32: 'int32',
  U32: 'int32',
  F32: 'float32',
  F64: 'float32',
  I64: 'int32',
  U64: 'int32',
};

/** The reference implementation's limit on the header (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

/** A safetensors file (or what is to become one) that is not valid; `entry` names the tensor, if one is at fault. */
export class SafetensorsError extends DescentError {
  override name = 'SafetensorsError';
  static {
    brandErrorClass(this, 'SafetensorsError');
  }
  constructor(
    message: string,
    readonly entry?: string,
  ) {
    super(entry === undefined ? `safetensors: ${message}` : `safetensors entry ${JSON.stringify(entry)}: ${message}`);
  }
}

/** What {@link decodeSafetensors} returns. */
export interface DecodedSafetensors {
  /** Every tensor, in the file's header order, as host tensors. */
  tensors: Record<string, HostTensor>;
  /** `__metadata__`, or null when the file has none. */
  metadata: Record<string, string> | null;
  /** Each tensor's dtype in the file (`I64` where the host tensor is int32). */
  dtypes: Record<string, SafetensorsDtype>;
}

/** Options of {@link encodeSafetensors}. */
export interface EncodeSafetensorsOptions {
  /** A file dtype per tensor other than its host dtype's own: int32 tensors may be written as `I64` (torch's long). */
  dtypes?: Record<string, 'I32' | 'I64'>;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isDtype(d: unknown): d is SafetensorsDtype {
  return typeof d === 'string' && Object.prototype.hasOwnProperty.call(ITEM_SIZE, d);
}

function setKey<T>(obj: Record<string, T>, key: string, value: T): void {
  // defineProperty: a key such as "__proto__" stays an ordinary key.
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function elementCount(shape: unknown, where: (message: string) => SafetensorsError): number {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw where(`shape must be an array of non-negative integers, got ${formatValue(shape)}`);
  }
  const n = shape.reduce((a: number, b: number) => a * b, 1);
  if (!Number.isSafeInteger(n)) throw where(`shape ${formatValue(shape)} has too many elements`);
  return n;
}

// ---------- encode ----------

function fileDtype(name: string, t: HostTensor, override: string | undefined): SafetensorsDtype {
  const own: SafetensorsDtype = t.dtype === 'float32' ? 'F32' : t.dtype === 'int32' ? 'I32' : 'BOOL';
  if (override === undefined || override === own) return own;
  if (t.dtype === 'int32' && override === 'I64') return 'I64';
  throw new SafetensorsError(`cannot write a ${t.dtype} tensor as ${formatValue(override)} (int32 tensors may be written as I32 or I64)`, name);
}

function writeData(out: Uint8Array, at: number, dtype: SafetensorsDtype, data: HostTensor['data']): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const n = data.length;
  if (dtype === 'BOOL') {
    for (let i = 0; i < n; i++) out[at + i] = data[i] ? 1 : 0;
  } else if (dtype === 'I64') {
    for (let i = 0; i < n; i++) {
      view.setInt32(at + 8 * i, data[i], true);
      view.setInt32(at + 8 * i + 4, data[i] < 0 ? -1 : 0, true);
    }
  } else if (LITTLE_ENDIAN && ((dtype === 'F32' && data instanceof Float32Array) || (dtype === 'I32' && data instanceof Int32Array))) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
  } else if (dtype === 'F32') {
    for (let i = 0; i < n; i++) view.setFloat32(at + 4 * i, data[i], true);
  } else {
    for (let i = 0; i < n; i++) view.setInt32(at + 4 * i, data[i], true);
  }
}

/**
 * Writes host tensors as a safetensors file, in the order given: float32 as F32,
 * int32 as I32 (or I64 per `options.dtypes`), bool as BOOL. `metadata` becomes
 * `__metadata__` (string values only).
 */
export function encodeSafetensors(
  tensors: Record<string, HostTensor>,
  metadata?: Record<string, string> | null,
  options: EncodeSafetensorsOptions = {},
): Uint8Array {
  if (typeof tensors !== 'object' || tensors === null || Array.isArray(tensors)) {
    throw new SafetensorsError(`expected an object of host tensors, got ${formatValue(tensors)}`);
  }
  const parts: string[] = [];
  if (metadata != null) {
    if (typeof metadata !== 'object' || Array.isArray(metadata)) throw new SafetensorsError(`__metadata__ must be an object of strings, got ${formatValue(metadata)}`);
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new SafetensorsError(`__metadata__ values must be strings, got ${formatValue(v)} at ${JSON.stringify(k)}`);
    }
    parts.push(`"__metadata__":${JSON.stringify(metadata)}`);
  }
  const plan: Array<{ dtype: SafetensorsDtype; data: HostTensor['data']; at: number }> = [];
  let offset = 0;
  for (const name of Object.keys(tensors)) {
    const t = tensors[name];
    if (name === '' || name === '__metadata__') throw new SafetensorsError(`invalid tensor name ${JSON.stringify(name)}`);
    if (!isHostTensor(t)) throw new SafetensorsError(`expected a host tensor ({dtype, shape, data}), got ${formatValue(t)}`, name);
    const n = elementCount(t.shape, (m) => new SafetensorsError(m, name));
    if (t.data.length !== n) throw new SafetensorsError(`shape ${formatValue(t.shape)} needs ${n} values, but data holds ${t.data.length}`, name);
    if (t.dtype !== 'float32' && t.dtype !== 'int32' && t.dtype !== 'bool') throw new SafetensorsError(`unsupported dtype ${formatValue(t.dtype)}`, name);
    const dtype = fileDtype(name, t, options.dtypes?.[name]);
    const bytes = n * ITEM_SIZE[dtype];
    parts.push(`${JSON.stringify(name)}:${JSON.stringify({ dtype, shape: t.shape, data_offsets: [offset, offset + bytes] })}`);
    plan.push({ dtype, data: t.data, at: offset });
    offset += bytes;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerBytes = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerBytes + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerBytes, true);
  view.setUint32(4, Math.floor(headerBytes / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerBytes);
  for (const p of plan) writeData(out, 8 + headerBytes + p.at, p.dtype, p.data);
  return out;
}

// ---------- decode ----------

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function readData(name: string, dtype: SafetensorsDtype, bytes: Uint8Array, n: number): HostTensor['data'] {
  // A fresh, aligned copy (a Node Buffer's slice() would be a view into a shared pool).
  const copy = () => new Uint8Array(bytes).buffer;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const int = (i: number, v: number) => {
    if (v < -2147483648 || v > 2147483647) throw new SafetensorsError(`${dtype} value ${v} at index ${i} does not fit in int32`, name);
    return v;
  };
  switch (dtype) {
    case 'F32':
      if (LITTLE_ENDIAN) return new Float32Array(copy());
      return Float32Array.from({ length: n }, (_, i) => view.getFloat32(4 * i, true));
    case 'F64':
      return Float32Array.from({ length: n }, (_, i) => view.getFloat64(8 * i, true));
    case 'F16':
      return Float32Array.from({ length: n }, (_, i) => halfToFloat(view.getUint16(2 * i, true)));
    case 'BF16': {
      const bits = Uint32Array.from({ length: n }, (_, i) => view.getUint16(2 * i, true) << 16);
      return new Float32Array(bits.buffer);
    }
    case 'I32':
      if (LITTLE_ENDIAN) return new Int32Array(copy());
      return Int32Array.from({ length: n }, (_, i) => view.getInt32(4 * i, true));
    case 'U32':
      return Int32Array.from({ length: n }, (_, i) => int(i, view.getUint32(4 * i, true)));
    case 'I64':
      return Int32Array.from({ length: n }, (_, i) => int(i, view.getUint32(8 * i, true) + view.getInt32(8 * i + 4, true) * 2 ** 32));
    case 'U64':
      return Int32Array.from({ length: n }, (_, i) => int(i, view.getUint32(8 * i, true) + view.getUint32(8 * i + 4, true) * 2 ** 32));
    case 'I16':
      return Int32Array.from({ length: n }, (_, i) => view.getInt16(2 * i, true));
    case 'U16':
      return Int32Array.from({ length: n }, (_, i) => view.getUint16(2 * i, true));
    case 'I8':
      return Int32Array.from({ length: n }, (_, i) => view.getInt8(i));
    case 'U8':
      return Int32Array.from(bytes);
    case 'BOOL': {
      const bad = bytes.findIndex((b) => b > 1);
      if (bad >= 0) throw new SafetensorsError(`BOOL value ${bytes[bad]} at index ${bad} is neither 0 nor 1`, name);
      return new Uint8Array(copy());
    }
  }
}

interface HeaderEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
  count: number;
}

/**
 * Reads a safetensors file into host tensors, validating it first: the header
 * length (within the file and {@link MAX_HEADER_BYTES}), its UTF-8 and JSON, every
 * entry's dtype, shape and data_offsets (in bounds, byte length = elements · item
 * size), that the tensors tile the data section exactly (contiguous, no overlaps,
 * no gaps, nothing after the last), and that I64/U64/U32 values fit int32. Floats
 * are read into float32 (F64 rounded), integers into int32, BOOL into bool.
 * Throws {@link SafetensorsError}, naming the entry at fault.
 */
export function decodeSafetensors(bytes: Uint8Array): DecodedSafetensors {
  if (!(bytes instanceof Uint8Array)) throw new SafetensorsError(`expected the file's bytes as a Uint8Array, got ${formatValue(bytes)}`);
  if (bytes.byteLength < 8) throw new SafetensorsError(`the file is ${bytes.byteLength} bytes, shorter than its 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > bytes.byteLength) {
    throw new SafetensorsError(`header length ${headerLength} is out of range (the file has ${bytes.byteLength} bytes; the limit is ${MAX_HEADER_BYTES})`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    throw new SafetensorsError('the header is not valid UTF-8');
  }
  if (!text.startsWith('{')) throw new SafetensorsError(`the header must be a JSON object starting with "{", got ${JSON.stringify(text.slice(0, 20))}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    throw new SafetensorsError(`the header is not valid JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new SafetensorsError('the header must be a JSON object');

  const body = bytes.subarray(8 + headerLength);
  let metadata: Record<string, string> | null = null;
  const entries: HeaderEntry[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof info !== 'object' || info === null || Array.isArray(info)) throw new SafetensorsError(`__metadata__ must be an object of strings, got ${formatValue(info)}`);
      metadata = {};
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new SafetensorsError(`__metadata__ values must be strings, got ${formatValue(v)} at ${JSON.stringify(k)}`);
        setKey(metadata, k, v);
      }
      continue;
    }
    const fail = (message: string) => new SafetensorsError(message, name);
    if (typeof info !== 'object' || info === null || Array.isArray(info)) throw fail(`expected {dtype, shape, data_offsets}, got ${formatValue(info)}`);
    const { dtype, shape, data_offsets: offsets } = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!isDtype(dtype)) throw fail(`unknown dtype ${formatValue(dtype)} (known: ${Object.keys(ITEM_SIZE).join(', ')})`);
    const count = elementCount(shape, fail);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
      throw fail(`data_offsets must be [begin, end] with 0 <= begin <= end, got ${formatValue(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (end > body.byteLength) throw fail(`data_offsets [${begin}, ${end}] run past the end of the data (${body.byteLength} bytes)`);
    const need = count * ITEM_SIZE[dtype];
    if (end - begin !== need) throw fail(`data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but dtype ${dtype} and shape ${formatValue(shape)} need ${need}`);
    entries.push({ name, dtype, shape: [...(shape as number[])], begin, end, count });
  }

  // The tensors must tile the data section: sorted by offset, each begins where the last ended.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: string | undefined;
  for (const e of sorted) {
    if (e.begin < cursor) throw new SafetensorsError(`data_offsets [${e.begin}, ${e.end}] overlap those of ${JSON.stringify(previous)}, which end at ${cursor}`, e.name);
    if (e.begin > cursor) throw new SafetensorsError(`data_offsets [${e.begin}, ${e.end}] leave a gap: the previous tensor ends at ${cursor}`, e.name);
    cursor = e.end;
    previous = e.name;
  }
  if (cursor !== body.byteLength) throw new SafetensorsError(`the tensors end at byte ${cursor} of the data, but it holds ${body.byteLength} bytes`);

  const tensors: Record<string, HostTensor> = {};
  const dtypes: Record<string, SafetensorsDtype> = {};
  for (const e of entries) {
    const data = readData(e.name, e.dtype, body.subarray(e.begin, e.end), e.count);
    setKey(tensors, e.name, { dtype: HOST_DTYPE[e.dtype], shape: e.shape, data });
    setKey(dtypes, e.name, e.dtype);
  }
  return { tensors, metadata, dtypes };
}
