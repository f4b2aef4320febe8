import * as tf from '@tensorflow/tfjs-core';
import { kernelNameOf, registerFusedKernel } from '@descent/core';
import { hostRoundKernel, hostUnscaleKernel } from './host.js';
import { wasmRoundKernel, wasmUnscaleKernel } from './wasm.js';
import { registerWebGPUAmpKernels } from '../webgpu.js';

// Typed-array kernels for the backends whose memory JS can reach directly.
const KERNELS: Record<string, [string, unknown][]> = {
  cpu: [
    ['AmpUnscale', hostUnscaleKernel],
    ['AmpRoundHalf', hostRoundKernel],
  ],
  wasm: [
    ['AmpUnscale', wasmUnscaleKernel],
    ['AmpRoundHalf', wasmRoundKernel],
  ],
};

/**
 * Registers @descent/amp's kernels for `backendName` (default: the active one)
 * where it has none yet: typed-array kernels on cpu (its arrays) and wasm (its heap),
 * WGSL kernels on webgpu (see `@descent/amp/webgpu`). Other backends
 * keep the composite fallbacks unless an adapter registered its own kernels.
 * Called lazily by GradScaler and autocast; calling it again is cheap.
 */
export function registerAmpKernels(backendName: string = tf.getBackend()): string[] {
  const registered: string[] = [];
  if (backendName === 'webgpu') {
    if (tf.getKernel(kernelNameOf('AmpRoundHalf'), backendName)) return registered;
    // WGSL kernels, and native f16 matmul/conv2d where the device has shader-f16.
    registerWebGPUAmpKernels();
    return ['AmpUnscale', 'AmpRoundHalf'];
  }
  for (const [op, kernel] of KERNELS[backendName] ?? []) {
    if (tf.getKernel(kernelNameOf(op), backendName)) continue;
    registerFusedKernel(op, backendName, kernel as never);
    registered.push(op);
  }
  return registered;
}
