import * as tf from '@tensorflow/tfjs-core';
import { kernelNameOf, registerFusedKernel } from '@descent/core';
import { heapMemory, optimExportsFor, type HeapBackend } from './module.js';
import { optimKernels, type KernelEntry } from './kernels.js';

let entries: KernelEntry[] | undefined;

/** The optim ops (packages/optim/KERNELS.md) that have a wasm-heap kernel here. */
export const optimKernelNames: readonly string[] = optimKernels().map(([decl]) => decl.name);

/**
 * Registers the AssemblyScript kernels of every @descent/optim fused op for the
 * `wasm` backend, after checking that the module links to the current wasm
 * backend's memory. The adapter's init calls it. Returns false (and registers
 * nothing, leaving the composite fallbacks) where the module cannot be used: a
 * runtime without wasm SIMD, or a tfjs-wasm build that hides its memory.
 */
export function registerOptimKernels(): boolean {
  try {
    optimExportsFor(heapMemory(tf.findBackend('wasm') as unknown as HeapBackend));
  } catch {
    return false;
  }
  entries ??= optimKernels();
  for (const [decl, kernel] of entries) {
    if (tf.getKernel(kernelNameOf(decl.name), 'wasm')) continue;
    registerFusedKernel(decl, 'wasm', kernel);
  }
  return true;
}
