import type * as tf from '@tensorflow/tfjs-core';
import type { FusedKernelFunc } from '../../fused/kernel.js';
import { roundArray } from '../../half.js';
import type { AmpRoundHalf, AmpUnscale } from '../../ops/amp.js';
import type { InputsOf, OutputsOf } from '../../fused/declaration.js';

/** The parts of a tfjs backend the host kernels use; cpu, wasm and webgpu all have them. */
interface HostBackend extends tf.KernelBackend {
  readSync(dataId: object): tf.BackendValues;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.BackendValues): tf.TensorInfo;
}

function hostValues(backend: tf.KernelBackend, info: tf.TensorInfo): Float32Array {
  const values = (backend as HostBackend).readSync(info.dataId);
  return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
}

type Kernel<D> = FusedKernelFunc<InputsOf<D>, OutputsOf<D>, D extends { attrs: infer A } ? (A extends Record<string, 'f32' | 'bool'> ? A : never) : never>;

/**
 * `AmpUnscale` for any backend with synchronous reads: one typed-array loop
 * that multiplies and checks finiteness together. New output arrays; the input is never written.
 */
export const hostUnscaleKernel: Kernel<typeof AmpUnscale> = ({ inputs, attrs, backend }) => {
  const g = hostValues(backend, inputs.grad);
  const inv = Math.fround(attrs.invScale);
  const out = new Float32Array(g.length);
  let nonFinite = 0;
  for (let i = 0; i < g.length; i++) {
    const v = g[i];
    // v - v is 0 for finite v and NaN for ±Inf and NaN: one compare, no branch on the class.
    if (v - v !== 0) nonFinite = 1;
    out[i] = v * inv;
  }
  const be = backend as HostBackend;
  return { unscaled: be.makeTensorInfo(inputs.grad.shape, 'float32', out), nonFinite: be.makeTensorInfo([], 'float32', new Float32Array([nonFinite])) };
};

/** `AmpRoundHalf` on the host: read, round bit-exactly, write a new tensor (any backend with synchronous reads). */
export const hostRoundKernel: Kernel<typeof AmpRoundHalf> = ({ inputs, attrs, backend }) => {
  const x = hostValues(backend, inputs.x);
  const y = roundArray(x, undefined, attrs.bfloat16 ? 'bfloat16' : 'float16');
  return { y: (backend as HostBackend).makeTensorInfo(inputs.x.shape, 'float32', y) };
};
