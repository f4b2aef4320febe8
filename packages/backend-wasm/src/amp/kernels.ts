import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { fusedOps, kernelNameOf, registerFusedKernel, roundArray, type FusedKernelFunc } from '@descent/core';

// tfjs-backend-wasm's own typing of its backend (both members used here are public).
type WasmBackend = BackendWasm;

const AmpUnscale = fusedOps.AmpUnscale;
const AmpRoundHalf = fusedOps.AmpRoundHalf;

/**
 * `AmpUnscale` on the wasm heap: reads the gradient in place and writes the
 * output into a new heap tensor, no copies through JS arrays. Views are taken
 * after allocating, since an allocation may grow (and detach) the heap.
 */
export const wasmUnscaleKernel: FusedKernelFunc<'grad', 'unscaled' | 'nonFinite', typeof AmpUnscale.attrs> = ({ inputs, attrs, backend }) => {
  const be = backend as unknown as WasmBackend;
  const unscaled = be.makeOutput(inputs.grad.shape, 'float32');
  const nonFinite = be.makeOutput([], 'float32');
  const g = be.typedArrayFromHeap(inputs.grad) as Float32Array;
  const out = be.typedArrayFromHeap(unscaled) as Float32Array;
  const inv = Math.fround(attrs.invScale);
  let flag = 0;
  for (let i = 0; i < g.length; i++) {
    const v = g[i];
    // v - v is 0 for finite v and NaN for ±Inf and NaN: one compare, no branch on the class.
    if (v - v !== 0) flag = 1;
    out[i] = v * inv;
  }
  be.typedArrayFromHeap(nonFinite)[0] = flag;
  return { unscaled, nonFinite };
};

/** `AmpRoundHalf` on the wasm heap. */
export const wasmRoundKernel: FusedKernelFunc<'x', 'y', typeof AmpRoundHalf.attrs> = ({ inputs, attrs, backend }) => {
  const be = backend as unknown as WasmBackend;
  const y = be.makeOutput(inputs.x.shape, 'float32');
  roundArray(be.typedArrayFromHeap(inputs.x) as Float32Array, be.typedArrayFromHeap(y) as Float32Array, attrs.bfloat16 ? 'bfloat16' : 'float16');
  return { y };
};

/** Registers @descent/amp's ops for the wasm backend (where nothing has yet). */
export function registerAmpKernels(): void {
  if (!tf.getKernel(kernelNameOf(AmpUnscale.name), 'wasm')) registerFusedKernel(AmpUnscale, 'wasm', wasmUnscaleKernel);
  if (!tf.getKernel(kernelNameOf(AmpRoundHalf.name), 'wasm')) registerFusedKernel(AmpRoundHalf, 'wasm', wasmRoundKernel);
}
