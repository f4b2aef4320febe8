export * from './half.js';
export { GradScaler, type GradScalerOptions, type GradScalerState, type ScalableOptimizer } from './grad-scaler.js';
export { ampUnscale } from './unscale-op.js';
export { ampRoundHalf } from './round-op.js';
export { registerAmpKernels } from './kernels/register.js';
export { hostRoundKernel, hostUnscaleKernel } from './kernels/host.js';
export { wasmRoundKernel, wasmUnscaleKernel } from './kernels/wasm.js';
export { autocast, autocastDtype, AUTOCAST_HALF_KERNELS, type AutocastOptions } from './autocast.js';
export { registerNativeHalfKernel, unregisterNativeHalfKernel, type NativeHalfFactory } from './native-half.js';
