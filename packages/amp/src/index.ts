// The half-precision rounding math lives in @descent/core (cpu and wasm kernels use it too).
export {
  roundToFloat16,
  roundToBFloat16,
  roundArray,
  encodeFloat16,
  decodeFloat16,
  encodeBFloat16,
  decodeBFloat16,
  registerNativeHalfKernel,
  unregisterNativeHalfKernel,
  type HalfDtype,
  type NativeHalfFactory,
  type NativeHalfKernel,
} from '@descent/core';
export { GradScaler, type GradScalerOptions, type GradScalerState, type ScalableOptimizer } from './grad-scaler.js';
export { ampUnscale } from './unscale-op.js';
export { ampRoundHalf } from './round-op.js';
export { autocast, autocastDtype, AUTOCAST_HALF_KERNELS, type AutocastOptions } from './autocast.js';
