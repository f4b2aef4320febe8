import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapMemory, kernelPoolOf, offsetOf, runPartitioned, type HeapBackend } from '../optim/module.js';
import { Scratch, transposeLast2 } from './helpers.js';

// XNNPACK (tfjs-wasm's matmul) packs its `b` operand into its own layout and
// caches that under b's tensor id: a win when the same b comes back, as
// weights do at inference. In training they do not: every step makes new
// weights, and every gradient product has a new b (the batch, dy). Packing a
// new b costs more than the product itself for a dense layer at batch 64
// (1.75 ms of 2.5 ms for [64, 784] · [784, 256]). Descent's GEMM
// (asm/gemm.ts) reads b where it lies, on the kernel pool's threads.

/** Floats of packing space each thread of asm/gemm.ts needs: one panel of KC = 256 rows × 8 columns. */
export const GEMM_SCRATCH_FLOATS = 256 * 8;

// The tensors (dataIds) already multiplied once as an untransposed `b`.
const seen = new WeakSet<object>();

/** Rows of `a` from which threaded XNNPACK, packing included, is as fast as the GEMM (bench/src/gemm.mjs). */
export const XNN_THREADED_MIN_ROWS = 256;

// XNNPACK's thread count and the kernel pool's, which the adapter sets once tfjs-wasm has started.
let xnnThreads = 1;
let poolThreads = 1;
export function setXnnThreads(threads: number, pool = threads): void {
  xnnThreads = threads;
  poolThreads = pool;
}

/** Overrides the routing (tests): `'gemm'` or `'xnnpack'` for every product and convolution, `'auto'` to choose. */
export const gemmRouting: { force: 'auto' | 'gemm' | 'xnnpack' } = { force: 'auto' };

/**
 * Whether `op(a) · op(b)` (m rows) should run on Descent's GEMM rather
 * than XNNPACK. Always, when the kernel pool has more threads than XNNPACK (in
 * Node XNNPACK gets one, so that its pool and Descent's do not contend for the
 * same cores). Otherwise: a transposed b is always a new tensor to XNNPACK (it
 * is made explicit first), and an untransposed one goes to XNNPACK from its
 * second product on, when XNNPACK's packed copy starts to pay, or at once when
 * a is tall enough to pay for packing and XNNPACK runs on several threads.
 */
export function preferGemm(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): boolean {
  if (gemmRouting.force !== 'auto') return gemmRouting.force === 'gemm';
  if (transposeB || poolThreads > xnnThreads) return true;
  const m = a.shape[a.shape.length - (transposeA ? 1 : 2)];
  if (m >= XNN_THREADED_MIN_ROWS && xnnThreads > 1) return false;
  const id = b.dataId as object;
  if (seen.has(id)) return false;
  seen.add(id);
  return true;
}

/**
 * Whether a convolution (or a filter's gradient) should be im2row and the GEMM
 * rather than XNNPACK's own: when the kernel pool has more threads than XNNPACK.
 */
export function preferGemmConv(): boolean {
  if (gemmRouting.force !== 'auto') return gemmRouting.force === 'gemm';
  return poolThreads > xnnThreads;
}

/**
 * `op(a) · op(b) (+ bias) (then relu)` for single matrices (all batch axes 1),
 * as a new tensor [...batch axes of 1, m, n]; `bias` is a vector of n. A transposed b is made
 * explicit first (a SIMD copy of k·n floats); a transposed a is read in
 * place. No input is written.
 */
export function gemmMatMul(
  backend: BackendWasm,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  bias?: tf.TensorInfo,
  relu = false,
): tf.TensorInfo {
  const [a0, a1] = a.shape.slice(-2);
  const [b0, b1] = b.shape.slice(-2);
  const m = transposeA ? a1 : a0;
  const k = transposeA ? a0 : a1;
  const n = transposeB ? b0 : b1;
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const out = backend.makeOutput([...outer, m, n], 'float32');
  if (m === 0 || n === 0) return out;
  const scratch = new Scratch(backend);
  try {
    const bKN = transposeB ? scratch.keep(transposeLast2(backend, b)) : b;
    const heap = backend as unknown as HeapBackend;
    const memory = heapMemory(heap);
    const threads = kernelPoolOf(memory)?.threads ?? 1;
    const panels = scratch.keep(backend.makeOutput([threads * GEMM_SCRATCH_FLOATS], 'float32'));
    const args = [offsetOf(heap, a), offsetOf(heap, bKN), bias ? offsetOf(heap, bias) : 0, offsetOf(heap, out), offsetOf(heap, panels), m, k, n, transposeA ? 1 : 0, relu ? 1 : 0, 0, 1];
    runPartitioned(memory, 'gemm', args, m * n * k);
    return out;
  } finally {
    scratch.dispose();
  }
}
