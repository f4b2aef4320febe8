import * as tf from '@tensorflow/tfjs-core';
import { kernelNameOf, registerFusedKernel, type FusedKernelFunc } from '@descent/core';
import { elementwiseKernel } from './elementwise.js';
import { LAMB_STORAGE_BUFFERS, lambKernel } from './lamb.js';
import { elementwiseOps } from './ops.js';

/** The @descent/optim fused ops that have a webgpu kernel: every op of packages/optim/KERNELS.md. */
export const webgpuOptimOps: readonly string[] = [...elementwiseOps.map((s) => s.name), 'LambStep'];

/**
 * Registers the WGSL kernels of the @descent/optim fused ops for tfjs's `webgpu`
 * backend, those whose storage buffers (inputs plus outputs) fit the device's
 * `maxStorageBuffersPerShaderStage` (AMSGrad, centered momentum RMSprop and LAMB need 9;
 * WebGPU's default is 8, and the adapter asks for the adapter's maximum). An op
 * left out runs its composite fallback. Returns the ops registered.
 * The adapter's `init()` calls it; call it yourself only if you start
 * tfjs-backend-webgpu without the adapter. Idempotent.
 */
export function registerWebGPUOptimKernels(maxStorageBuffersPerShaderStage = 8): string[] {
  const kernels: Array<[string, number, FusedKernelFunc<string>]> = [
    ...elementwiseOps.map((s): [string, number, FusedKernelFunc<string>] => [s.name, s.inputs.length + s.outputs.length, elementwiseKernel(s)]),
    ['LambStep', LAMB_STORAGE_BUFFERS, lambKernel],
  ];
  const registered: string[] = [];
  for (const [name, buffers, kernel] of kernels) {
    if (buffers > maxStorageBuffersPerShaderStage) continue;
    if (!tf.getKernel(kernelNameOf(name), 'webgpu')) registerFusedKernel(name, 'webgpu', kernel);
    registered.push(name);
  }
  return registered;
}
