import * as tf from '@tensorflow/tfjs-core';
import { DescentError } from '@descent/core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type WasmKernelArgs = {
  inputs: Record<string, tf.TensorInfo | undefined>;
  backend: BackendWasm;
  attrs?: Record<string, unknown>;
};
export type WasmKernelFunc = (args: WasmKernelArgs) => tf.TensorInfo;

/** The kernel registered for `name` on wasm right now (stock kernels we do not replace). */
export function wasmKernel(name: string): WasmKernelFunc {
  const config = tf.getKernel(name, 'wasm');
  if (!config) throw new DescentError(`tfjs-backend-wasm has no ${name} kernel`);
  return config.kernelFunc as unknown as WasmKernelFunc;
}

/** Tensors a kernel makes for itself; they are freed before it returns. */
export class Scratch {
  private readonly held: tf.TensorInfo[] = [];
  constructor(private readonly backend: BackendWasm) {}
  keep<T extends tf.TensorInfo>(t: T): T {
    this.held.push(t);
    return t;
  }
  dispose(): void {
    for (const t of this.held.splice(0)) this.backend.disposeData(t.dataId);
  }
}

export function batchSize(shape: readonly number[]): number {
  return tf.util.sizeFromShape(shape.slice(0, -2));
}

/** A view of `x` with another shape: shares memory, so it only adds a reference. */
export function reshapeView(backend: BackendWasm, x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape, dtype: x.dtype };
}

/** `x` with its last two axes swapped, as a new tensor (stock wasm Transpose kernel). */
export function transposeLast2(backend: BackendWasm, x: tf.TensorInfo): tf.TensorInfo {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return wasmKernel('Transpose')({ inputs: { x }, backend, attrs: { perm } });
}

/** A new tensor holding `size` elements of `src` from `offset`, with `shape`. */
export function copySlice(backend: BackendWasm, src: tf.TensorInfo, offset: number, shape: number[]): tf.TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  const size = tf.util.sizeFromShape(shape);
  // Views are taken after makeOutput: an allocation may grow (and detach) the heap.
  const from = backend.typedArrayFromHeap(src) as Float32Array;
  (backend.typedArrayFromHeap(out) as Float32Array).set(from.subarray(offset, offset + size));
  return out;
}

/** `x` with its axes permuted, as a new tensor (stock wasm Transpose kernel). */
export function transpose(backend: BackendWasm, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  return wasmKernel('Transpose')({ inputs: { x }, backend, attrs: { perm } });
}

/** A new tensor: `x[begin : begin + size]` (stock wasm Slice kernel). */
export function slice(backend: BackendWasm, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  return wasmKernel('Slice')({ inputs: { x }, backend, attrs: { begin, size } });
}

/** A new zero-filled float32 tensor (tfjs-wasm's heap allocations are not cleared). */
export function zeros(backend: BackendWasm, shape: number[]): tf.TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  (backend.typedArrayFromHeap(out) as Float32Array).fill(0);
  return out;
}

/** Explicit NHWC paddings in the form tfjs's Conv2D attrs take them. */
export function explicitPad(top: number, bottom: number, left: number, right: number): number[][] {
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}
