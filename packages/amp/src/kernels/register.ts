import * as tf from '@tensorflow/tfjs-core';
import { kernelNameOf, registerFusedKernel } from '@descent/core';
import { hostRoundKernel, hostUnscaleKernel } from './host.js';

// Backends whose tensors the host kernels can read synchronously and cheaply.
const HOST_BACKENDS = new Set(['cpu', 'wasm']);

/**
 * Registers @descent/amp's kernels for `backendName` (default: the active one)
 * where it has none yet: the typed-array kernels on cpu and wasm. Other backends
 * keep the composite fallbacks unless an adapter registered its own kernels.
 * Called lazily by GradScaler and autocast; calling it again is cheap.
 */
export function registerAmpKernels(backendName: string = tf.getBackend()): string[] {
  const registered: string[] = [];
  if (!HOST_BACKENDS.has(backendName)) return registered;
  for (const [op, kernel] of [
    ['AmpUnscale', hostUnscaleKernel],
    ['AmpRoundHalf', hostRoundKernel],
  ] as const) {
    if (tf.getKernel(kernelNameOf(op), backendName)) continue;
    registerFusedKernel(op, backendName, kernel as never);
    registered.push(op);
  }
  return registered;
}
