import { decode, heapMemory, type HeapBackend } from '../optim/module.js';
import { TRAIN_WASM_PLAIN, TRAIN_WASM_SHARED } from './generated/train-wasm.js';

/** Exports of asm/train.ts: pointers are byte offsets into tfjs-wasm's heap. */
export interface TrainExports {
  maxPoolGrad(x: number, dy: number, dx: number, ...dims: number[]): void;
  im2col(x: number, out: number, ...dims: number[]): void;
  col2im(cols: number, dx: number, ...dims: number[]): void;
  transposeLast2(src: number, dst: number, batch: number, rows: number, cols: number): void;
}

const modules: { plain?: WebAssembly.Module; shared?: WebAssembly.Module } = {};
// One instance per tfjs heap: a wasm backend created anew has a new memory.
const instances = new WeakMap<WebAssembly.Memory, TrainExports>();

/** The training kernels bound to the backend's heap; compiled (a few kB) and instantiated once per memory. */
export function trainExportsFor(backend: HeapBackend): TrainExports {
  const memory = heapMemory(backend);
  let exports = instances.get(memory);
  if (!exports) {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const key = shared ? 'shared' : 'plain';
    const module = (modules[key] ??= new WebAssembly.Module(decode(shared ? TRAIN_WASM_SHARED : TRAIN_WASM_PLAIN)));
    exports = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as TrainExports;
    instances.set(memory, exports);
  }
  return exports;
}
