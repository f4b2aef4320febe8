export { wasmAdapter, createWasmAdapter, type WasmAdapterOptions } from './adapter.js';
export { locateWasmFolder, WASM_FILES, type WasmPaths } from './wasm-paths.js';
export { installMatMulKernels, uninstallMatMulKernels, matMulKernelsInstalled, replacedKernels } from './kernels/install.js';
export { installTrainingKernels, trainingKernels } from './kernels/training.js';
export { registerOptimKernels, optimKernelNames } from './optim/register.js';
export { optimWasmBytes } from './optim/module.js';
export { registerAmpKernels, wasmRoundKernel, wasmUnscaleKernel } from './amp/kernels.js';
