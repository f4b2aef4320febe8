export * from './errors.js';
export * from './rng.js';
export * from './state-dict.js';
export * from './grad-clip.js';
export * from './fused-op.js';
export * from './adapter.js';
export { chainedOpsRegistered, gradientsRegistered, registerGradientFixes } from './gradients.js';
export { dilateFilter } from './conv-gradients.js';
export { cpuAdapter } from './cpu-adapter.js';
