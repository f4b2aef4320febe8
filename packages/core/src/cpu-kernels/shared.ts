import type * as tf from '@tensorflow/tfjs-core';
import { DescentError } from '../errors.js';

/** The typed arrays a numeric cpu tensor keeps its values in. */
export type NumericArray = Float32Array | Int32Array | Uint8Array;

/**
 * The part of tfjs-backend-cpu's `MathBackendCPU` Descent's cpu kernels use,
 * declared once (its `data` store is not in tfjs's public typings).
 */
export interface CpuBackendLike {
  data: { get(dataId: tf.DataId): { values?: unknown } | undefined; has(dataId: tf.DataId): boolean };
  readSync(dataId: tf.DataId): unknown;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

/** `backend` as a cpu backend; throws if it is not tfjs-backend-cpu's (or a tfjs upgrade changed it). */
const checked = new WeakSet<object>();

export function checkCpuBackend(backend: unknown): CpuBackendLike {
  const be = backend as Partial<CpuBackendLike> | null;
  // Every kernel call asks: check a backend once, not on each parameter of each step.
  if (be && checked.has(be)) return be as CpuBackendLike;
  if (!be || typeof be.data?.get !== 'function' || typeof be.data.has !== 'function' || typeof be.makeTensorInfo !== 'function' || typeof be.readSync !== 'function') {
    throw new DescentError("Descent's cpu kernels need tfjs-backend-cpu 4.22's MathBackendCPU (a data store with get/has, makeTensorInfo, readSync)");
  }
  checked.add(be);
  return be as CpuBackendLike;
}

/** The arguments tfjs passes to a kernel, with this kernel's inputs and attributes. */
export interface CpuKernelArgs<I extends string, A> {
  inputs: Record<I, tf.TensorInfo>;
  attrs: A;
  backend: CpuBackendLike;
}

/**
 * A replacement kernel: a new tensor, or `undefined` for an input it does not
 * handle, which `install.ts` then passes to the stock kernel.
 */
export type CpuKernelImpl = (args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown }) => tf.TensorInfo | undefined;

/** The values of a float32/int32/bool tensor, or `undefined` for any other (complex, string). */
export function numericValues(backend: CpuBackendLike, t: tf.TensorInfo | undefined): NumericArray | undefined {
  if (t == null || (t.dtype !== 'float32' && t.dtype !== 'int32' && t.dtype !== 'bool')) return undefined;
  const values = backend.data.get(t.dataId)?.values;
  if (values instanceof Float32Array || values instanceof Int32Array || values instanceof Uint8Array) {
    let size = 1;
    for (const d of t.shape) size *= d;
    return values.length === size ? values : undefined;
  }
  return undefined;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * NCHW → NHWC copy of `[n, c, h, w]` values, in an array of the same type (so
 * the kernels' loops see the one array type they see for NHWC inputs).
 */
export function nchwToNhwc<T extends NumericArray>(values: T, n: number, c: number, h: number, w: number): T {
  const out = new (values.constructor as new (length: number) => T)(values.length);
  const hw = h * w;
  for (let b = 0; b < n; b++) {
    const src = b * c * hw;
    for (let ch = 0; ch < c; ch++) {
      const s = src + ch * hw;
      let o = src + ch;
      for (let p = 0; p < hw; p++, o += c) out[o] = values[s + p];
    }
  }
  return out;
}
