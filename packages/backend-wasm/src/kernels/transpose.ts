import * as tf from '@tensorflow/tfjs-core';
import { offsetOf, type HeapBackend } from '../optim/module.js';
import type { WasmKernelArgs } from './helpers.js';
import { stockKernel } from './stock.js';
import { trainExportsFor } from './train-module.js';

/** True when `perm` only swaps the last two axes. */
function swapsLastTwo(perm: readonly number[]): boolean {
  const rank = perm.length;
  if (rank < 2 || perm[rank - 2] !== rank - 1 || perm[rank - 1] !== rank - 2) return false;
  for (let i = 0; i < rank - 2; i++) if (perm[i] !== i) return false;
  return true;
}

/**
 * Transpose. Swapping the last two axes of 4-byte elements (every transposed
 * matmul operand, e.g. the input batch's xᵀ for a dense layer's weight gradient)
 * runs in AssemblyScript, 4×4 blocks at a time (asm/transpose.ts): 0.2 ms
 * against tfjs-wasm's 0.8 ms for a [256, 784] batch. Other permutations and
 * dtypes keep the stock kernel. The values are copied, never computed.
 */
export function transpose(args: WasmKernelArgs): tf.TensorInfo {
  const x = args.inputs.x!;
  const perm = (args.attrs?.perm as number[] | undefined) ?? [];
  if (!swapsLastTwo(perm) || (x.dtype !== 'float32' && x.dtype !== 'int32') || x.shape.some((d) => d === 0)) {
    return stockKernel(tf.Transpose)(args);
  }
  const backend = args.backend;
  const heap = backend as unknown as HeapBackend;
  const rank = x.shape.length;
  const rows = x.shape[rank - 2];
  const cols = x.shape[rank - 1];
  const out = backend.makeOutput([...x.shape.slice(0, -2), cols, rows], x.dtype);
  trainExportsFor(heap).transposeLast2(offsetOf(heap, x), offsetOf(heap, out), tf.util.sizeFromShape(x.shape.slice(0, -2)), rows, cols);
  return out;
}
