import { registerAdapter } from '@descent/core';
import { makeWebGPUAdapter, type WebGPUAdapter, type WebGPUAdapterOptions } from './adapter.js';

export { driverName, type WebGPUAdapter, type WebGPUAdapterOptions } from './adapter.js';
export { WebGPUUnavailableError } from './errors.js';
export type { PowerPreference } from './gpu-types.js';
export { registerWebGPUOptimKernels, webgpuOptimOps } from './optim/register.js';
export { registerWebGPUAmpKernels, WEBGPU_NATIVE_F16_KERNELS, type WebGPUAmpOptions } from './amp/register.js';
export type { MatMulVariant } from './amp/matmul.js';

/**
 * A WebGPU adapter with its own options. In browsers it uses `navigator.gpu`;
 * in Node it installs Dawn's `webgpu` package as `navigator.gpu` first.
 */
export function createWebGPUAdapter(options: WebGPUAdapterOptions = {}): WebGPUAdapter {
  return makeWebGPUAdapter(options, () => import('./dawn.js'));
}

/** The default WebGPU adapter, what `useBackend('webgpu')` activates. */
export const webgpuAdapter: WebGPUAdapter = createWebGPUAdapter();

// Importing this package makes useBackend('webgpu') find it without core's
// by-name import, which a browser bundler cannot follow.
registerAdapter('webgpu', webgpuAdapter);
