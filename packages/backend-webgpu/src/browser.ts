// The browser build: the same API without the Node path, so bundlers never see Dawn.
import { registerAdapter } from '@descent/core';
import { makeWebGPUAdapter, type WebGPUAdapter, type WebGPUAdapterOptions } from './adapter.js';

export { driverName, type WebGPUAdapter, type WebGPUAdapterOptions } from './adapter.js';
export { WebGPUUnavailableError } from './errors.js';
export type { PowerPreference } from './gpu-types.js';
export { registerWebGPUOptimKernels, webgpuOptimOps } from './optim/register.js';
export { registerWebGPUAmpKernels, WEBGPU_NATIVE_F16_KERNELS, type WebGPUAmpOptions } from './amp/register.js';
export type { MatMulVariant } from './amp/matmul.js';

/** A WebGPU adapter with its own options, on `navigator.gpu`. (`dawnFlags` do nothing in browsers.) */
export function createWebGPUAdapter(options: WebGPUAdapterOptions = {}): WebGPUAdapter {
  return makeWebGPUAdapter(options, undefined);
}

/** The default WebGPU adapter, what `useBackend('webgpu')` activates. */
export const webgpuAdapter: WebGPUAdapter = createWebGPUAdapter();

// Importing this package makes useBackend('webgpu') find it without core's
// by-name import, which a browser bundler cannot follow.
registerAdapter('webgpu', webgpuAdapter);
