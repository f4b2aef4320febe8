import type * as tf from '@tensorflow/tfjs-core';
import { DescentError } from '@descent/core';
import { OPTIM_WASM_PLAIN, OPTIM_WASM_SHARED } from './generated/optim-wasm.js';
import { KernelPool, POINTER_ARGS } from './pool.js';
import type { OPTIM_SIGNATURES } from './generated/optim-signatures.js';

/** Exports of asm/optim.ts: pointers are byte offsets into tfjs-wasm's heap, flags are 0/1 (see generated/optim-signatures.ts). */
export type OptimExports = { [K in keyof typeof OPTIM_SIGNATURES]: (...args: number[]) => void };

/** What these kernels use of tfjs-wasm's `BackendWasm`. */
export interface HeapBackend {
  wasm: { asm?: { memory?: WebAssembly.Memory }; wasmMemory?: WebAssembly.Memory; HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): { dataId: object; shape: number[]; dtype: string };
}

/** Bytes of a base64 string (the generated modules embed their wasm so). */
export function decode(base64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

const modules: { plain?: WebAssembly.Module; shared?: WebAssembly.Module } = {};
// One instance per tfjs heap: a wasm backend created anew has a new memory.
const instances = new WeakMap<WebAssembly.Memory, OptimExports>();
const pools = new WeakMap<WebAssembly.Memory, KernelPool>();
const pooled = new WeakMap<WebAssembly.Memory, OptimExports>();

/** The module's bytes: `shared` imports a shared memory (tfjs-wasm with threads). */
export function optimWasmBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  return decode(shared ? OPTIM_WASM_SHARED : OPTIM_WASM_PLAIN);
}

/** The byte offset of a wasm tensor in tfjs-wasm's heap. */
export function offsetOf(backend: HeapBackend, t: tf.TensorInfo): number {
  const data = backend.dataIdMap.get(t.dataId);
  if (!data) throw new DescentError(`tensor ${String(t.dataId)} is not on the wasm backend`);
  return data.memoryOffset;
}

/** The memory tfjs-wasm keeps its tensors in. */
export function heapMemory(backend: HeapBackend): WebAssembly.Memory {
  const memory = backend.wasm.asm?.memory ?? backend.wasm.wasmMemory;
  // A shared heap may have grown on another thread since tfjs last refreshed HEAPU8.
  const same = memory instanceof WebAssembly.Memory && (memory.buffer === backend.wasm.HEAPU8.buffer || isShared(memory));
  if (!same) {
    throw new DescentError('tfjs-backend-wasm does not expose its WebAssembly.Memory (expected backend.wasm.asm.memory)');
  }
  return memory;
}

/**
 * The optimizer kernels bound to `memory`. Compiling and instantiating a 10 kB
 * module is synchronous and cheap, and happens once per memory.
 */
export function optimExportsFor(memory: WebAssembly.Memory): OptimExports {
  const viaPool = pooled.get(memory);
  if (viaPool) return viaPool;
  let exports = instances.get(memory);
  if (!exports) {
    exports = new WebAssembly.Instance(moduleFor(memory), { env: { memory } }).exports as unknown as OptimExports;
    instances.set(memory, exports);
  }
  return exports;
}

function isShared(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

function moduleFor(memory: WebAssembly.Memory): WebAssembly.Module {
  const shared = isShared(memory);
  const key = shared ? 'shared' : 'plain';
  return (modules[key] ??= new WebAssembly.Module(optimWasmBytes(shared)));
}

/**
 * Runs the elementwise kernels on `threads` threads from now on (Node, shared
 * heap only; otherwise a no-op that returns 1). Returns the thread count.
 */
export async function startKernelPool(memory: WebAssembly.Memory, threads: number): Promise<number> {
  const running = pools.get(memory);
  if (running) return running.threads;
  if (threads <= 1 || !isShared(memory)) return 1;
  const pool = await KernelPool.start(moduleFor(memory), memory, threads);
  const k = optimExportsFor(memory);
  const viaPool = { ...k } as Record<string, unknown>;
  for (const name of Object.keys(POINTER_ARGS)) viaPool[name] = (...args: number[]) => pool.call(k, name, args);
  pools.set(memory, pool);
  pooled.set(memory, viaPool as unknown as OptimExports);
  return threads;
}

/**
 * Runs a partitioned export (asm/gemm.ts) of the module bound to `memory`:
 * across the pool's threads when one runs and `work` is large enough, else on
 * this thread. `args` end with `part = 0, parts = 1`.
 */
export function runPartitioned(memory: WebAssembly.Memory, name: keyof OptimExports, args: number[], work: number): void {
  const pool = pools.get(memory);
  // A running pool was started with this memory's own instance (startKernelPool).
  if (pool) pool.call(instances.get(memory)!, name, args, work);
  else optimExportsFor(memory)[name](...args);
}

/** The running pool of `memory`, if any. */
export function kernelPoolOf(memory: WebAssembly.Memory): KernelPool | undefined {
  return pools.get(memory);
}

/** Stops the pool of `memory`, if any; the kernels run on one thread again. */
export async function stopKernelPool(memory: WebAssembly.Memory): Promise<void> {
  const pool = pools.get(memory);
  pools.delete(memory);
  pooled.delete(memory);
  await pool?.close();
}
