export * from './declaration.js';
export * from './op.js';
export * from './kernel.js';
export * from './native-half.js';
