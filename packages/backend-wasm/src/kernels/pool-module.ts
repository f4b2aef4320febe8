import { decode, heapMemory, type HeapBackend } from '../optim/module.js';
import { POOL_WASM_PLAIN, POOL_WASM_SHARED } from './generated/pool-wasm.js';

/** Exports of asm/pool.ts: pointers are byte offsets into tfjs-wasm's heap. */
export interface PoolExports {
  maxPoolGrad(x: number, dy: number, dx: number, ...dims: number[]): void;
}

const modules: { plain?: WebAssembly.Module; shared?: WebAssembly.Module } = {};
// One instance per tfjs heap: a wasm backend created anew has a new memory.
const instances = new WeakMap<WebAssembly.Memory, PoolExports>();

/** The pool kernels bound to the backend's heap; compiled (2 kB) and instantiated once per memory. */
export function poolExportsFor(backend: HeapBackend): PoolExports {
  const memory = heapMemory(backend);
  let exports = instances.get(memory);
  if (!exports) {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const key = shared ? 'shared' : 'plain';
    const module = (modules[key] ??= new WebAssembly.Module(decode(shared ? POOL_WASM_SHARED : POOL_WASM_PLAIN)));
    exports = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as PoolExports;
    instances.set(memory, exports);
  }
  return exports;
}
