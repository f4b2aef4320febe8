import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { Scratch, batchSize, copySlice, reshapeView, transposeLast2, type WasmKernelArgs } from './helpers.js';
import { gemmMatMul, preferGemm } from './gemm.js';
import { stockKernel } from './stock.js';

/**
 * Below this many multiply-adds per batch item, splitting a batched matmul into
 * XNNPACK calls costs more (operator creation, copies) than the scalar loop.
 */
const SPLIT_MIN_MACS = 32 * 32 * 32;

function plainStock(backend: BackendWasm, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
  return stockKernel(tf.BatchMatMul)({ inputs: { a, b }, backend, attrs: { transposeA: false, transposeB: false } });
}

/**
 * `op(a) @ op(b)` for single matrices (all batch dims 1). A new b goes to
 * Descent's GEMM, which needs no packing (./gemm.ts); a b seen before goes to
 * XNNPACK, which has its packed copy. The stock kernel takes XNNPACK's path
 * only without transposes, so transposes are made explicit first, and XNNPACK
 * packs b on every call with a new b. So either `op(a) @ op(b)` is computed
 * directly, or `(op(b)ᵀ @ op(a)ᵀ)ᵀ`, whichever moves fewer elements. All
 * copies are new tensors, freed here.
 */
export function singleMatMul(backend: BackendWasm, a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): tf.TensorInfo {
  if (preferGemm(a, b, transposeA, transposeB)) return gemmMatMul(backend, a, b, transposeA, transposeB);
  const sizeA = tf.util.sizeFromShape(a.shape);
  const sizeB = tf.util.sizeFromShape(b.shape);
  const m = transposeA ? a.shape[a.shape.length - 1] : a.shape[a.shape.length - 2];
  const n = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
  const direct = (transposeA ? sizeA : 0) + (transposeB ? sizeB : 0) + sizeB;
  const swapped = (transposeB ? 0 : sizeB) + (transposeA ? 0 : sizeA) + sizeA + m * n;
  const scratch = new Scratch(backend);
  try {
    if (direct <= swapped) {
      const a2 = transposeA ? scratch.keep(transposeLast2(backend, a)) : a;
      const b2 = transposeB ? scratch.keep(transposeLast2(backend, b)) : b;
      return plainStock(backend, a2, b2);
    }
    const bT = transposeB ? b : scratch.keep(transposeLast2(backend, b));
    const aT = transposeA ? a : scratch.keep(transposeLast2(backend, a));
    return transposeLast2(backend, scratch.keep(plainStock(backend, bT, aT)));
  } finally {
    scratch.dispose();
  }
}

/** Batched: one XNNPACK matmul per output batch item. */
function splitMatMul(backend: BackendWasm, a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean, outer: number[]): tf.TensorInfo {
  const [a0, a1] = a.shape.slice(-2);
  const [b0, b1] = b.shape.slice(-2);
  const m = transposeA ? a1 : a0;
  const n = transposeB ? b0 : b1;
  const count = tf.util.sizeFromShape(outer);
  const batchA = batchSize(a.shape);
  const batchB = batchSize(b.shape);
  const out = backend.makeOutput([...outer, m, n], 'float32');
  for (let i = 0; i < count; i++) {
    const scratch = new Scratch(backend);
    try {
      // tfjs's cpu and wasm kernels pick batch items modulo each operand's
      // flattened batch size; we keep their results (the same as numpy's
      // broadcasting whenever an operand's batch is 1 or matches the output's).
      const ai = scratch.keep(copySlice(backend, a, (i % batchA) * a0 * a1, [a0, a1]));
      const bi = scratch.keep(copySlice(backend, b, (i % batchB) * b0 * b1, [b0, b1]));
      const ci = scratch.keep(singleMatMul(backend, ai, bi, transposeA, transposeB));
      const src = backend.typedArrayFromHeap(ci) as Float32Array;
      (backend.typedArrayFromHeap(out) as Float32Array).set(src, i * m * n);
    } finally {
      scratch.dispose();
    }
  }
  return out;
}

/**
 * tfjs-wasm's BatchMatMul sends everything except an untransposed single
 * matrix product to a scalar loop. This kernel routes single products to
 * Descent's GEMM or XNNPACK (singleMatMul), and batched ones to XNNPACK. It
 * never writes into `a` or `b`: XNNPACK caches packed weights under b's tensor id.
 */
export function batchMatMul(args: WasmKernelArgs): tf.TensorInfo {
  const { backend, attrs = {} } = args;
  const a = args.inputs.a!;
  const b = args.inputs.b!;
  const transposeA = attrs.transposeA === true;
  const transposeB = attrs.transposeB === true;
  const stock = () => stockKernel(tf.BatchMatMul)(args);
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return stock();
  if (tf.util.sizeFromShape(a.shape) === 0 || tf.util.sizeFromShape(b.shape) === 0) return stock();

  const batchA = batchSize(a.shape);
  const batchB = batchSize(b.shape);
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const [a0, a1] = a.shape.slice(-2);
  const m = transposeA ? a1 : a0;
  const k = transposeA ? a0 : a1;
  const n = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
  const kB = transposeB ? b.shape[b.shape.length - 1] : b.shape[b.shape.length - 2];
  // Leave shape errors to the stock kernel, which words them like tfjs does.
  if (k !== kB) return stock();
  if (batchA === 1 && batchB === 1) return singleMatMul(backend, a, b, transposeA, transposeB);

  if (batchB === 1 && !transposeA) {
    // One weight matrix for every batch item: stack the items' rows into one product.
    const scratch = new Scratch(backend);
    try {
      const a2 = scratch.keep(reshapeView(backend, a, [batchA * m, k]));
      const b2 = scratch.keep(reshapeView(backend, b, b.shape.slice(-2)));
      const out = singleMatMul(backend, a2, b2, false, transposeB);
      out.shape = [...outer, m, n];
      return out;
    } finally {
      scratch.dispose();
    }
  }
  if (m * n * k >= SPLIT_MIN_MACS) return splitMatMul(backend, a, b, transposeA, transposeB, outer);
  return stock();
}
