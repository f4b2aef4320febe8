// Training kernels over tfjs-wasm's heap, compiled into one module.
export { maxPoolGrad } from './pool';
export { col2im, im2col } from './im2col';
export { transposeLast2 } from './transpose';
