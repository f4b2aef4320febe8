export * from './losses/index.js';
export * from './module.js';
export * from './modules/index.js';
export * from './init.js';
/** torch.nn.init's functions as one object, as torch spells it: `init.kaimingUniform(w, { a: Math.sqrt(5) })`. */
export * as init from './init.js';
export * from './safetensors.js';
export * from './module-io.js';
