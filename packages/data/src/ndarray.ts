import { check } from '@descent/core';

/** The typed arrays a sample may hold; they become int32 or float32 tensors per batch. */
export type NdData = Uint8Array | Int32Array | Float32Array;

/**
 * A host-side array with a shape, like a numpy array: what datasets return and
 * transforms work on. `data` may be a view into a larger buffer (MNIST keeps all
 * images in one `Uint8Array`), so transforms must not write into it.
 */
export interface NdArray {
  readonly data: NdData;
  readonly shape: readonly number[];
}

/** What a transform sees: an array, or a scalar such as a class label. */
export type Value = NdArray | number;

/** Whether `v` is an {@link NdArray} (a typed array `data` and a `shape`). */
export function isNdArray(v: unknown): v is NdArray {
  return typeof v === 'object' && v !== null && ArrayBuffer.isView((v as NdArray).data) && Array.isArray((v as NdArray).shape);
}

/** The number of elements of `shape` (1 for `[]`). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** An {@link NdArray} of `data` (no copy) with `shape` (default: flat); throws when they disagree in size. */
export function ndarray(data: NdData, shape: readonly number[] = [data.length]): NdArray {
  check(sizeOf(shape) === data.length, 'shape', shape, `Invalid shape: ${JSON.stringify(shape)} holds ${sizeOf(shape)} values, data has ${data.length}`);
  return { data, shape };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

type NdCtor = Uint8ArrayConstructor | Int32ArrayConstructor | Float32ArrayConstructor;

/** Stacks samples of one shape into `[n, ...shape]`, keeping their element type. */
export function stack(values: readonly Value[]): NdArray {
  check(values.length > 0, 'values', values.length, 'Cannot stack an empty batch');
  const first = values[0];
  if (typeof first === 'number') {
    let ints = true;
    for (const v of values) {
      check(typeof v === 'number', 'batch', typeof v, `Cannot stack a batch that mixes numbers and arrays (item is ${typeof v})`);
      if (!Number.isInteger(v)) ints = false;
    }
    const out = ints ? new Int32Array(values.length) : new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = values[i] as number;
    return { data: out, shape: [values.length] };
  }
  check(isNdArray(first), 'batch item 0', first, 'Batch items must be NdArrays ({ data, shape }) or numbers');
  const ctor = first.data.constructor as NdCtor;
  const size = first.data.length;
  const out = new ctor(values.length * size);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as NdArray;
    check(
      isNdArray(v) && sameShape(v.shape, first.shape),
      `batch item ${i}`,
      isNdArray(v) ? v.shape : v,
      `Cannot stack batch item ${i} of shape ${isNdArray(v) ? JSON.stringify(v.shape) : typeof v} with item 0 of shape ${JSON.stringify(first.shape)}`,
    );
    // A different element type is converted by `set`, so one batch has one dtype.
    out.set(v.data, i * size);
  }
  return { data: out, shape: [values.length, ...first.shape] };
}
