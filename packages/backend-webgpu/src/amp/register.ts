/**
 * @descent/amp's kernels for tfjs's `webgpu` backend.
 *
 * - `AmpRoundHalf` and `AmpUnscale` as WGSL programs (bit-exact integer rounding rules).
 * - Under autocast, with `shader-f16`: BatchMatMul, _FusedMatMul (Dense), Conv2D and its
 *   backprop kernels (gradients, conv2dTranspose) run in f16 WGSL kernels: the operands are
 *   converted once to packed f16 storage (two halves per 32-bit word, half the memory of
 *   f32), read back as `vec2<f16>`, multiplied and accumulated in f32 as tensor cores do,
 *   and the result rounded to the f16 grid. Other autocast ops use the emulation (round,
 *   float32 kernel, round) on the GPU.
 */
import * as tf from '@tensorflow/tfjs-core';
import { activeAdapter, fusedOps, registerFusedKernel, registerNativeHalfKernel, unregisterNativeHalfKernel, DescentError } from '@descent/core';
import { webgpuRoundKernel, webgpuUnscaleKernel } from './round-unscale.js';
import { f16BatchMatMul, f16FusedMatMul } from './matmul.js';
import type { MatMulVariant } from './matmul.js';
import { f16Conv2D, f16Conv2DBackpropFilter, f16Conv2DBackpropInput, f16FusedConv2D } from './conv.js';
import { hoistEnableF16 } from './enable-f16.js';
import type { F16Kernel } from './program.js';
import { checkBackend } from '../tfjs-webgpu.js';

/** The tfjs kernels with a native f16 WGSL kernel, for a matmul variant. */
function nativeF16Kernels(matmul: MatMulVariant): Record<string, F16Kernel> {
  return {
    BatchMatMul: f16BatchMatMul(matmul),
    _FusedMatMul: f16FusedMatMul(matmul),
    Conv2D: f16Conv2D,
    FusedConv2D: f16FusedConv2D,
    Conv2DBackpropInput: f16Conv2DBackpropInput,
    Conv2DBackpropFilter: f16Conv2DBackpropFilter,
  };
}

/** The tfjs kernels that `registerWebGPUAmpKernels` runs natively in f16 (under autocast, float16, with `shader-f16`). */
export const WEBGPU_NATIVE_F16_KERNELS: readonly string[] = Object.keys(nativeF16Kernels('simple'));

/** Options of {@link registerWebGPUAmpKernels}. */
export interface WebGPUAmpOptions {
  /** Run autocast's matmuls and conv2d (forward and backprop) in f16 WGSL kernels when the device has `shader-f16`. Default true. */
  nativeHalf?: boolean;
  /** The f16 matmul (see {@link MatMulVariant}). Default: 'simple' on a software or fallback adapter, else 'tiled'. */
  matmul?: MatMulVariant;
}

// Devices that offer shader-f16 but were found not to round to f16 (see probe.ts):
// every later registration, the lazy installer's included, keeps them on the emulation.
const noNativeF16 = new WeakSet<object>();

/** Keeps `device` on autocast's emulation from now on (its f16 arithmetic was found not to round). */
export function declineNativeF16(device: object): void {
  noNativeF16.add(device);
}

function isSoftwareAdapter(): boolean {
  const info = activeAdapter()?.capabilities.info ?? {};
  return info.isFallbackAdapter === true || /lavapipe|llvmpipe|swiftshader/i.test(`${info.driver ?? ''} ${info.description ?? ''} ${info.architecture ?? ''}`);
}

/**
 * Registers amp's webgpu kernels (the backend must be initialized, e.g. by
 * `useBackend('webgpu')`, whose init calls this). Returns whether native f16
 * kernels are in use, and which matmul. Call it again to change the options.
 */
export function registerWebGPUAmpKernels(options: WebGPUAmpOptions = {}): { nativeHalf: boolean; matmul: MatMulVariant } {
  const found = tf.findBackend('webgpu');
  if (!found) throw new DescentError('registerWebGPUAmpKernels: the webgpu backend is not initialized (call useBackend("webgpu") first)');
  const backend = checkBackend(found);
  registerFusedKernel(fusedOps.AmpRoundHalf, 'webgpu', webgpuRoundKernel);
  registerFusedKernel(fusedOps.AmpUnscale, 'webgpu', webgpuUnscaleKernel);
  const nativeHalf = (options.nativeHalf ?? !noNativeF16.has(backend.device)) && backend.device.features.has('shader-f16');
  const matmul = options.matmul ?? (isSoftwareAdapter() ? 'simple' : 'tiled');
  if (nativeHalf) {
    hoistEnableF16(backend.device);
    // f16 only: bfloat16 has no WGSL type, so autocast emulates it.
    for (const [name, kernel] of Object.entries(nativeF16Kernels(matmul))) registerNativeHalfKernel('webgpu', name, (dtype) => (dtype === 'float16' ? (args) => kernel({ ...args, attrs: args.attrs ?? {} }) : null));
  } else {
    for (const name of WEBGPU_NATIVE_F16_KERNELS) unregisterNativeHalfKernel('webgpu', name);
  }
  return { nativeHalf, matmul };
}
