import type * as tf from '@tensorflow/tfjs-core';
import type { FusedKernelArgs } from '@descent/core';
import { roundArray } from '../half.js';

/** The parts of tfjs-backend-wasm's backend these kernels use. */
interface WasmBackend extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: tf.BackendValues): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

/**
 * `AmpUnscale` on the wasm heap: reads the gradient in place and writes the
 * output into a new heap tensor, no copies through JS arrays. Views are taken
 * after allocating, since an allocation may grow (and detach) the heap.
 */
export function wasmUnscaleKernel({ inputs, attrs, backend }: FusedKernelArgs<'grad'>): tf.TensorInfo[] {
  const be = backend as WasmBackend;
  const outInfo = be.makeOutput(inputs.grad.shape, 'float32');
  const flagInfo = be.makeOutput([], 'float32');
  const g = be.typedArrayFromHeap(inputs.grad);
  const out = be.typedArrayFromHeap(outInfo);
  const inv = Math.fround(attrs.invScale as number);
  let nonFinite = 0;
  for (let i = 0; i < g.length; i++) {
    const v = g[i];
    if (v - v !== 0) nonFinite = 1;
    out[i] = v * inv;
  }
  be.typedArrayFromHeap(flagInfo)[0] = nonFinite;
  return [outInfo, flagInfo];
}

/** `AmpRoundHalf` on the wasm heap. */
export function wasmRoundKernel({ inputs, attrs, backend }: FusedKernelArgs<'x'>): tf.TensorInfo[] {
  const be = backend as WasmBackend;
  const outInfo = be.makeOutput(inputs.x.shape, 'float32');
  roundArray(be.typedArrayFromHeap(inputs.x), be.typedArrayFromHeap(outInfo), attrs.bfloat16 ? 'bfloat16' : 'float16');
  return [outInfo];
}
