export * from './losses/index.js';
export * from './module.js';
export * from './modules/index.js';
export * from './init.js';
export * as init from './init.js';
export * from './safetensors.js';
export * from './module-io.js';
