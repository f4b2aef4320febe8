import * as tf from '@tensorflow/tfjs-core';
import { manualSeed, type HostTensor } from '@descent/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BatchNorm2d,
  Conv2d,
  LoadStateDictError,
  Linear,
  MAX_HEADER_BYTES,
  SafetensorsError,
  Sequential,
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensorsIntoModule,
  moduleToSafetensors,
  moduleToTorchState,
  type Module,
} from '../../src/index.js';
import { cpu, fixtureBytes } from './setup.js';

beforeAll(cpu);

const f32 = (shape: number[], values: number[]): HostTensor => ({ dtype: 'float32', shape, data: Float32Array.from(values) });
const i32 = (shape: number[], values: number[]): HostTensor => ({ dtype: 'int32', shape, data: Int32Array.from(values) });

/** A file from a header object and a body, as another writer might produce it. */
function rawFile(header: unknown, body: Uint8Array | number[] = [], headerText?: string): Uint8Array {
  const text = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + body.length);
  new DataView(out.buffer).setUint32(0, text.length, true);
  out.set(text, 8);
  out.set(body, 8 + text.length);
  return out;
}

function headerOf(bytes: Uint8Array): { header: Record<string, any>; body: Uint8Array } {
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), body: bytes.subarray(8 + n) };
}

/** Rewrites a valid file's header (the body stays as it was). */
function tamper(bytes: Uint8Array, edit: (header: Record<string, any>) => void): Uint8Array {
  const { header, body } = headerOf(bytes);
  edit(header);
  return rawFile(header, body);
}

function expectError(fn: () => unknown, message: string | RegExp, entry?: string): void {
  let error: unknown;
  try {
    fn();
  } catch (err) {
    error = err;
  }
  expect(error, 'throws').toBeInstanceOf(SafetensorsError);
  expect((error as Error).message).toMatch(message);
  expect((error as SafetensorsError).entry).toBe(entry);
}

describe('encodeSafetensors / decodeSafetensors', () => {
  it('writes the safetensors layout: u64 LE header length, space-padded JSON to a multiple of 8, contiguous LE data', () => {
    const bytes = encodeSafetensors({ b: f32([2], [1.5, -2]), a: i32([], [7]), flag: { dtype: 'bool', shape: [3], data: Uint8Array.from([1, 0, 1]) } }, { format: 'pt' });
    const view = new DataView(bytes.buffer);
    const n = view.getUint32(0, true);
    expect(view.getUint32(4, true)).toBe(0);
    expect(n % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text.trimEnd()).toBe(
      '{"__metadata__":{"format":"pt"},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"I32","shape":[],"data_offsets":[8,12]},"flag":{"dtype":"BOOL","shape":[3],"data_offsets":[12,15]}}',
    );
    expect(/^ *$/.test(text.slice(text.trimEnd().length))).toBe(true);
    expect(bytes.byteLength).toBe(8 + n + 15);
    expect(view.getFloat32(8 + n, true)).toBe(1.5);
    expect(view.getInt32(8 + n + 8, true)).toBe(7);
  });

  it('round-trips tensors, order and metadata; int32 can be written as I64', () => {
    const tensors = {
      'layer.0.weight': f32([2, 3], [1, 2, 3, 4, 5, 6]),
      count: i32([], [-5]),
      big: i32([2], [2147483647, -2147483648]),
      empty: f32([0, 4], []),
      mask: { dtype: 'bool', shape: [2], data: Uint8Array.from([0, 1]) } as HostTensor,
    };
    const bytes = encodeSafetensors(tensors, { note: 'x' }, { dtypes: { count: 'I64', big: 'I64' } });
    const back = decodeSafetensors(bytes);
    expect(Object.keys(back.tensors)).toEqual(Object.keys(tensors));
    expect(back.tensors).toEqual(tensors);
    expect(back.metadata).toEqual({ note: 'x' });
    expect(back.dtypes).toEqual({ 'layer.0.weight': 'F32', count: 'I64', big: 'I64', empty: 'F32', mask: 'BOOL' });
    expect(decodeSafetensors(encodeSafetensors({})).tensors).toEqual({});
    expect(decodeSafetensors(encodeSafetensors({})).metadata).toBeNull();
  });

  it('reads every numeric dtype of the format: floats into float32, integers into int32', () => {
    const body: number[] = [];
    const header: Record<string, unknown> = {};
    const add = (name: string, dtype: string, bytes: number[], n: number) => {
      header[name] = { dtype, shape: [n], data_offsets: [body.length, body.length + bytes.length] };
      body.push(...bytes);
    };
    const le = (write: (v: DataView) => void, size: number) => {
      const b = new Uint8Array(size);
      write(new DataView(b.buffer));
      return [...b];
    };
    add('f16', 'F16', [0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00, 0x00, 0x7c], 4); // 1, -2, 2^-24, inf
    add('bf16', 'BF16', [0x80, 0x3f, 0x40, 0xc0], 2); // 1, -3
    add('f64', 'F64', le((v) => v.setFloat64(0, 0.1, true), 8), 1);
    add('i8', 'I8', [0xff, 0x7f], 2);
    add('u8', 'U8', [0xff], 1);
    add('i16', 'I16', le((v) => v.setInt16(0, -300, true), 2), 1);
    add('u16', 'U16', le((v) => v.setUint16(0, 65535, true), 2), 1);
    add('u32', 'U32', le((v) => v.setUint32(0, 2147483647, true), 4), 1);
    add('i64', 'I64', le((v) => v.setBigInt64(0, -3n, true), 8), 1);
    add('u64', 'U64', le((v) => v.setBigUint64(0, 12n, true), 8), 1);
    const { tensors, dtypes } = decodeSafetensors(rawFile(header, body));
    expect(Array.from(tensors.f16.data)).toEqual([1, -2, 2 ** -24, Infinity]);
    expect(Array.from(tensors.bf16.data)).toEqual([1, -3]);
    expect(tensors.f64.data[0]).toBe(Math.fround(0.1));
    expect(Array.from(tensors.i8.data)).toEqual([-1, 127]);
    expect(tensors.u8.data[0]).toBe(255);
    expect(tensors.i16.data[0]).toBe(-300);
    expect(tensors.u16.data[0]).toBe(65535);
    expect(tensors.u32.data[0]).toBe(2147483647);
    expect(tensors.i64.data[0]).toBe(-3);
    expect(tensors.u64.data[0]).toBe(12);
    expect(Object.values(tensors).map((t) => t.dtype)).toEqual(['float32', 'float32', 'float32', 'int32', 'int32', 'int32', 'int32', 'int32', 'int32', 'int32']);
    expect(dtypes.u64).toBe('U64');
  });

  it("reads the files the torch generator wrote by hand (num_batches_tracked as I64)", () => {
    const { tensors, dtypes, metadata } = decodeSafetensors(fixtureBytes('nn-cnn.safetensors'));
    expect(metadata).toEqual({ format: 'pt' });
    expect(dtypes['1.num_batches_tracked']).toBe('I64');
    expect(tensors['1.num_batches_tracked']).toEqual(i32([], [3]));
    expect(tensors['0.weight'].shape).toEqual([8, 3, 3, 3]);
  });

  it('reads a Node Buffer that is a view into a larger pool', () => {
    const bytes = encodeSafetensors({ w: f32([3], [1, 2, 3]), m: { dtype: 'bool', shape: [2], data: Uint8Array.from([1, 0]) } });
    const pooled = Buffer.concat([Buffer.alloc(3, 7), Buffer.from(bytes), Buffer.alloc(5, 9)]).subarray(3, 3 + bytes.length);
    const { tensors } = decodeSafetensors(pooled);
    expect(tensors.w.data).toEqual(Float32Array.from([1, 2, 3]));
    expect(tensors.m.data).toEqual(Uint8Array.from([1, 0]));
    expect(tensors.m.data.buffer.byteLength).toBe(2);
    expect(Buffer.isBuffer(tensors.m.data)).toBe(false);
  });

  it('keeps a "__proto__" entry an ordinary key', () => {
    const back = decodeSafetensors(rawFile(null, [0, 0, 128, 63], '{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'));
    expect(Object.getPrototypeOf(back.tensors)).toBe(Object.prototype);
    expect(Object.keys(back.tensors)).toEqual(['__proto__']);
    expect(Array.from(back.tensors['__proto__'].data)).toEqual([1]);
  });

  const valid = () => encodeSafetensors({ w: f32([2, 2], [1, 2, 3, 4]), b: f32([2], [5, 6]) });

  it.each([
    ['a file shorter than 8 bytes', () => new Uint8Array(5), /the file is 5 bytes, shorter than its 8-byte header length/, undefined],
    ['a truncated file (header length past the end)', () => valid().subarray(0, 40), /header length \d+ is out of range \(the file has 40 bytes/, undefined],
    [
      'a header length above the limit',
      () => {
        const b = new Uint8Array(16);
        new DataView(b.buffer).setUint32(4, 1, true);
        return b;
      },
      `header length ${2 ** 32} is out of range (the file has 16 bytes; the limit is ${MAX_HEADER_BYTES})`,
      undefined,
    ],
    ['a header that is not UTF-8', () => rawFile(null, [], '{\uFFFF}').map((v, i) => (i === 9 ? 0xff : v)), 'the header is not valid UTF-8', undefined],
    ['a header that is not JSON', () => rawFile(null, [], '{"w": '), /the header is not valid JSON/, undefined],
    ['a header that is not an object', () => rawFile(null, [], '[1, 2]'), 'the header must be a JSON object starting with "{"', undefined],
    ['an unknown dtype', () => tamper(valid(), (h) => (h.w.dtype = 'F33')), /unknown dtype "F33" \(known: BOOL, U8/, 'w'],
    ['a negative dimension', () => tamper(valid(), (h) => (h.w.shape = [-2, -2])), 'shape must be an array of non-negative integers, got [-2, -2]', 'w'],
    ['offsets that are not a pair', () => tamper(valid(), (h) => (h.b.data_offsets = [16])), 'data_offsets must be [begin, end] with 0 <= begin <= end, got [16]', 'b'],
    ['offsets past the end', () => tamper(valid(), (h) => (h.b.data_offsets = [16, 28])), 'data_offsets [16, 28] run past the end of the data (24 bytes)', 'b'],
    ['a byte length that does not fit the shape', () => tamper(valid(), (h) => (h.w.shape = [2, 3])), 'data_offsets [0, 16] hold 16 bytes, but dtype F32 and shape [2, 3] need 24', 'w'],
    [
      'overlapping offsets',
      () => tamper(valid(), (h) => (h.b.data_offsets = [8, 16])),
      'data_offsets [8, 16] overlap those of "w", which end at 16',
      'b',
    ],
    ['a gap between tensors', () => tamper(valid(), (h) => delete h.w), 'data_offsets [16, 24] leave a gap: the previous tensor ends at 0', 'b'],
    ['trailing bytes', () => rawFile({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, [0, 0, 128, 63, 9]), 'the tensors end at byte 4 of the data, but it holds 5 bytes', undefined],
    ['an I64 outside int32', () => rawFile({ n: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, [0, 0, 0, 0, 1, 0, 0, 0]), 'I64 value 4294967296 at index 0 does not fit in int32', 'n'],
    ['a BOOL byte other than 0 or 1', () => rawFile({ m: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] } }, [1, 2]), 'BOOL value 2 at index 1 is neither 0 nor 1', 'm'],
    ['metadata that is not strings', () => tamper(valid(), (h) => (h.__metadata__ = { epoch: 3 })), '__metadata__ values must be strings, got 3 at "epoch"', undefined],
  ] as Array<[string, () => Uint8Array, string | RegExp, string | undefined]>)('rejects %s, naming the entry', (_label, make, message, entry) => {
    expectError(() => decodeSafetensors(make()), message, entry);
  });

  it('refuses to encode what it cannot write faithfully', () => {
    expectError(() => encodeSafetensors({ w: f32([3], [1, 2]) }), 'shape [3] needs 3 values, but data holds 2', 'w');
    expectError(() => encodeSafetensors({ w: f32([1], [1]) }, {}, { dtypes: { w: 'I64' } }), 'cannot write a float32 tensor as "I64"', 'w');
    expectError(() => encodeSafetensors({ __metadata__: f32([1], [1]) }), 'invalid tensor name "__metadata__"');
    expectError(() => encodeSafetensors({ w: [1, 2] as unknown as HostTensor }), 'expected a host tensor ({dtype, shape, data}), got [1, 2]', 'w');
    expectError(() => encodeSafetensors({}, { epoch: 1 as unknown as string }), '__metadata__ values must be strings, got 1 at "epoch"');
  });
});

function snapshot(m: Module): Record<string, number[]> {
  return Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, Array.from(v.dataSync())]));
}

function model(seed: number): Sequential {
  manualSeed(seed);
  return new Sequential(new Conv2d(2, 4, 3, { groups: 2 }), new BatchNorm2d(4), new Linear(4, 3));
}

describe('moduleToSafetensors / loadSafetensorsIntoModule', () => {
  it("writes torch's keys, torch's layouts (Linear [out, in], Conv2d OIHW) and num_batches_tracked as I64", async () => {
    const m = model(1);
    const bytes = await moduleToSafetensors(m);
    const { tensors, dtypes, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt' });
    expect(Object.keys(tensors)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked', '2.weight', '2.bias']);
    expect(dtypes['1.num_batches_tracked']).toBe('I64');
    expect(tensors['0.weight'].shape).toEqual([4, 1, 3, 3]);
    expect(tensors['2.weight'].shape).toEqual([3, 4]);
    const conv = m.at(0) as Conv2d;
    const lin = m.at(2) as Linear;
    expect(Array.from(tensors['2.weight'].data)).toEqual(Array.from(tf.tidy(() => tf.transpose(lin.weight)).dataSync()));
    expect(Array.from(tensors['0.weight'].data)).toEqual(Array.from(tf.tidy(() => tf.transpose(conv.weight, [3, 2, 0, 1])).dataSync()));
    expect((await moduleToTorchState(m))['2.weight'].shape).toEqual([3, 4]);
    const none = decodeSafetensors(await moduleToSafetensors(m, null));
    expect(none.metadata).toBeNull();
    m.dispose();
  });

  it('round-trips into another model, leaving no tensor behind', async () => {
    const a = model(2);
    const b = model(3);
    const bytes = await moduleToSafetensors(a);
    const before = tf.memory().numTensors;
    expect(loadSafetensorsIntoModule(b, bytes)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(tf.memory().numTensors).toBe(before);
    expect(snapshot(b)).toEqual(snapshot(a));
    a.dispose();
    b.dispose();
  });

  const cases: Array<[string, (bytes: Uint8Array) => Uint8Array, string | RegExp, typeof LoadStateDictError | typeof SafetensorsError]> = [
    ['a missing key', (b) => encodeWithout(b, '2.bias'), 'Missing key(s) in state_dict: "2.bias". ', LoadStateDictError],
    ['an unexpected key', (b) => encodeWith(b, 'extra', f32([1], [0])), 'Unexpected key(s) in state_dict: "extra". ', LoadStateDictError],
    [
      'a shape mismatch (named in torch layout)',
      (b) => encodeWith(b, '2.weight', f32([4, 3], new Array(12).fill(0))),
      'size mismatch for 2.weight: copying a param with shape [4, 3] from checkpoint, the shape in current model is [3, 4].',
      LoadStateDictError,
    ],
    [
      'a dtype mismatch',
      (b) => encodeWith(b, '1.running_mean', i32([4], [0, 0, 0, 0])),
      'dtype mismatch for 1.running_mean: copying a param of dtype I32 (read as int32) from checkpoint, the dtype in current model is float32.',
      LoadStateDictError,
    ],
    ['a truncated file', (b) => b.subarray(0, b.byteLength - 3), /the tensors end at byte \d+ of the data, but it holds \d+ bytes|run past the end/, SafetensorsError],
    ['a tampered header', (b) => tamper(b, (h) => (h['0.weight'].shape = [4, 1, 3, 4])), 'data_offsets [0, 144] hold 144 bytes, but dtype F32 and shape [4, 1, 3, 4] need 192', SafetensorsError],
    [
      'overlapping offsets',
      (b) => tamper(b, (h) => (h['0.bias'].data_offsets = [h['0.bias'].data_offsets[0] - 4, h['0.bias'].data_offsets[1] - 4])),
      'data_offsets [140, 156] overlap those of "0.weight", which end at 144',
      SafetensorsError,
    ],
  ];

  it.each(cases)('%s: throws and leaves the model unchanged', async (_label, corrupt, message, kind) => {
    const src = model(4);
    const dst = model(5);
    const bytes = corrupt(await moduleToSafetensors(src));
    const before = snapshot(dst);
    let error: unknown;
    try {
      loadSafetensorsIntoModule(dst, bytes);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(kind);
    expect((error as Error).message).toMatch(message);
    expect(snapshot(dst)).toEqual(before);
    src.dispose();
    dst.dispose();
  });

  it('strict: false loads the keys that match and reports the others', async () => {
    const src = model(6);
    const dst = model(7);
    const bytes = encodeWith(encodeWithout(await moduleToSafetensors(src), '2.bias'), 'head.scale', f32([1], [1]));
    expect(loadSafetensorsIntoModule(dst, bytes, { strict: false })).toEqual({ missingKeys: ['2.bias'], unexpectedKeys: ['head.scale'] });
    const a = snapshot(src);
    const b = snapshot(dst);
    expect(b['2.weight']).toEqual(a['2.weight']);
    expect(b['2.bias']).not.toEqual(a['2.bias']);
    src.dispose();
    dst.dispose();
  });
});

function encodeWithout(bytes: Uint8Array, key: string): Uint8Array {
  const { tensors, dtypes, metadata } = decodeSafetensors(bytes);
  delete tensors[key];
  return encodeSafetensors(tensors, metadata, { dtypes: i64Keys(dtypes) });
}

function encodeWith(bytes: Uint8Array, key: string, t: HostTensor): Uint8Array {
  const { tensors, dtypes, metadata } = decodeSafetensors(bytes);
  tensors[key] = t;
  if (t.dtype === 'int32') delete dtypes[key];
  return encodeSafetensors(tensors, metadata, { dtypes: i64Keys(dtypes) });
}

function i64Keys(dtypes: Record<string, string>): Record<string, 'I64'> {
  return Object.fromEntries(Object.entries(dtypes).filter(([, d]) => d === 'I64').map(([k]) => [k, 'I64' as const]));
}
