import * as tf from '@tensorflow/tfjs-core';
import type { FusedKernelArgs } from '@descent/core';
import { roundArray } from '../half.js';

/** The parts of a tfjs backend the host kernels use; cpu, wasm and webgpu all have them. */
export interface HostBackend extends tf.KernelBackend {
  readSync(dataId: object): tf.BackendValues;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.BackendValues): tf.TensorInfo;
}

function hostValues(backend: tf.KernelBackend, info: tf.TensorInfo): Float32Array {
  const values = (backend as HostBackend).readSync(info.dataId);
  return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
}

/**
 * `AmpUnscale` for any backend with synchronous reads (cpu, wasm): one typed-array
 * loop that multiplies and checks finiteness together. New output arrays; the input is never written.
 */
export function hostUnscaleKernel({ inputs, attrs, backend }: FusedKernelArgs<'grad'>): tf.TensorInfo[] {
  const g = hostValues(backend, inputs.grad);
  const inv = Math.fround(attrs.invScale as number);
  const out = new Float32Array(g.length);
  let nonFinite = 0;
  for (let i = 0; i < g.length; i++) {
    const v = g[i];
    // v - v is 0 for finite v and NaN for ±Inf and NaN: one compare, no branch on the class.
    if (v - v !== 0) nonFinite = 1;
    out[i] = v * inv;
  }
  const be = backend as HostBackend;
  return [be.makeTensorInfo(inputs.grad.shape, 'float32', out), be.makeTensorInfo([], 'float32', new Float32Array([nonFinite]))];
}

/** `AmpRoundHalf` on the host: read, round bit-exactly, write a new tensor. */
export function hostRoundKernel({ inputs, attrs, backend }: FusedKernelArgs<'x'>): tf.TensorInfo[] {
  const x = hostValues(backend, inputs.x);
  const y = roundArray(x, undefined, attrs.bfloat16 ? 'bfloat16' : 'float16');
  return [(backend as HostBackend).makeTensorInfo(inputs.x.shape, 'float32', y)];
}
