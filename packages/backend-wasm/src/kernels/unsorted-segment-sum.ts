import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@descent/core';
import type { WasmKernelArgs } from './helpers.js';

/**
 * out[s] = Σ_{i: ids[i] = s} x[i], ids outside [0, numSegments) dropped, as
 * tfjs's cpu kernel does. tfjs-wasm lacks it, and it is the gradient of
 * tf.gather (every Embedding layer). Rows are added in index order in
 * float64 and rounded once, as cpu's sums do, so results match it exactly.
 */
export function unsortedSegmentSum(args: WasmKernelArgs): tf.TensorInfo {
  const { backend } = args;
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = (args.attrs as { numSegments: number }).numSegments;
  if (segmentIds.dtype !== 'int32') throw new InvalidArgumentError('segmentIds', segmentIds.dtype, `UnsortedSegmentSum: segmentIds must be int32, got ${segmentIds.dtype}`);
  const count = tf.util.sizeFromShape(segmentIds.shape);
  const inner = count === 0 ? 0 : tf.util.sizeFromShape(x.shape) / count;
  const out = backend.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
  // Views after makeOutput: an allocation may grow (and detach) the heap.
  const dst = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
  const src = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const ids = backend.typedArrayFromHeap(segmentIds) as Int32Array;
  const acc = new Float64Array(dst.length);
  for (let i = 0; i < count; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const to = s * inner;
    const from = i * inner;
    for (let j = 0; j < inner; j++) acc[to + j] += src[from + j];
  }
  dst.set(acc);
  return out;
}
