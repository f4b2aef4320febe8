import * as tf from '@tensorflow/tfjs-core';
import { fusedOps, kernelNameOf, registerFusedKernel, type FusedKernelFunc, type FusedOpDeclaration } from '@descent/core';
import { elementwiseKernel } from './elementwise.js';
import { LAMB_STORAGE_BUFFERS, lambKernel } from './lamb.js';
import { ADAFACTOR_FACTORED_STORAGE_BUFFERS, ADAFACTOR_STORAGE_BUFFERS, adafactorFactoredKernel, adafactorKernel } from './adafactor.js';
import { MUON_MOMENTUM_STORAGE_BUFFERS, muonMomentumKernel } from './muon.js';
import { elementwiseOps } from './ops.js';

/** The kernels with reductions, and the storage buffers of their widest dispatch. */
const reducing: Array<[FusedOpDeclaration, number, FusedKernelFunc]> = [
  [fusedOps.LambStep, LAMB_STORAGE_BUFFERS, lambKernel as unknown as FusedKernelFunc],
  [fusedOps.AdafactorStep, ADAFACTOR_STORAGE_BUFFERS, adafactorKernel as unknown as FusedKernelFunc],
  [fusedOps.AdafactorFactoredStep, ADAFACTOR_FACTORED_STORAGE_BUFFERS, adafactorFactoredKernel as unknown as FusedKernelFunc],
  [fusedOps.MuonMomentum, MUON_MOMENTUM_STORAGE_BUFFERS, muonMomentumKernel as unknown as FusedKernelFunc],
];

/** The @descent/optim fused ops that have a webgpu kernel: every op of packages/optim/KERNELS.md. */
export const webgpuOptimOps: readonly string[] = [...elementwiseOps.map((s) => s.decl.name), ...reducing.map(([decl]) => decl.name)];

/**
 * Registers the WGSL kernels of the @descent/optim fused ops for tfjs's `webgpu`
 * backend, those whose storage buffers (inputs plus outputs) fit the device's
 * `maxStorageBuffersPerShaderStage` (AMSGrad, centered momentum RMSprop, LAMB and schedule-free AdamW with
 * inner momentum need 9, the others at most 8;
 * WebGPU's default is 8, and the adapter asks for the adapter's maximum). An op
 * left out runs its composite fallback. Returns the ops registered.
 * The adapter's `init()` calls it; call it yourself only if you start
 * tfjs-backend-webgpu without the adapter. Idempotent.
 */
export function registerWebGPUOptimKernels(maxStorageBuffersPerShaderStage = 8): string[] {
  const kernels: Array<[FusedOpDeclaration, number, FusedKernelFunc]> = [
    ...elementwiseOps.map((s): [FusedOpDeclaration, number, FusedKernelFunc] => [s.decl, s.decl.inputs.length + s.decl.outputs.length, elementwiseKernel(s)]),
    ...reducing,
  ];
  const registered: string[] = [];
  for (const [decl, buffers, kernel] of kernels) {
    if (buffers > maxStorageBuffersPerShaderStage) continue;
    if (!tf.getKernel(kernelNameOf(decl.name), 'webgpu')) registerFusedKernel(decl, 'webgpu', kernel);
    registered.push(decl.name);
  }
  return registered;
}
