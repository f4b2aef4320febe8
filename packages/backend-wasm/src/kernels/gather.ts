import * as tf from '@tensorflow/tfjs-core';
import { heapMemory, offsetOf, type HeapBackend } from '../optim/module.js';
import type { WasmKernelArgs } from './helpers.js';
import { stockKernel } from './stock.js';

/**
 * GatherV2 along axis 0 (rows: a batch from a TensorDataset, Embedding's
 * lookup) as one copy of each row within the heap. tfjs-wasm's own kernel
 * computes every element's source through strides, and took 4 ms for 64 rows
 * of 784 floats from a [60000, 784] table, longer than the training step the
 * batch feeds. Other axes, batchDims and dtypes keep the stock kernel. Indices
 * out of range throw as the stock kernel does; no input is written.
 */
export function gatherV2(args: WasmKernelArgs): tf.TensorInfo {
  const { backend } = args;
  const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
  const attrs = (args.attrs ?? {}) as { axis?: number; batchDims?: number };
  const axis = tf.util.parseAxisParam(attrs.axis ?? 0, x.shape)[0];
  if (axis !== 0 || (attrs.batchDims ?? 0) !== 0 || (x.dtype !== 'float32' && x.dtype !== 'int32') || x.shape.length === 0) return stockKernel(tf.GatherV2)(args);
  const at = backend.typedArrayFromHeap(indices) as Int32Array;
  const rows = x.shape[0];
  for (let i = 0; i < at.length; i++) {
    const index = at[i];
    tf.util.assert(index <= rows - 1 && index >= 0, () => `GatherV2: the index value ${index} is not in [0, ${rows - 1}]`);
  }
  const rowBytes = tf.util.sizeFromShape(x.shape.slice(1)) * 4;
  const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
  if (rowBytes === 0 || at.length === 0) return out;
  // Views after makeOutput: an allocation may grow the heap (a new buffer).
  const hb = backend as unknown as HeapBackend;
  const heap = new Uint8Array(heapMemory(hb).buffer);
  const from = offsetOf(hb, x);
  const to = offsetOf(hb, out);
  const index = backend.typedArrayFromHeap(indices) as Int32Array;
  for (let i = 0; i < index.length; i++) {
    const src = from + index[i] * rowBytes;
    heap.copyWithin(to + i * rowBytes, src, src + rowBytes);
  }
  return out;
}
