// Training kernels over tfjs-wasm's heap, compiled into one module.
export { maxPoolGrad } from './pool';
export { im2col } from './im2col';
