import * as tf from '@tensorflow/tfjs-core';
import { heapMemory, offsetOf, runPartitioned, type HeapBackend } from '../optim/module.js';
import type { WasmKernelArgs } from './helpers.js';
import { tilesInput } from './max-pool.js';
import { trainExportsFor } from './train-module.js';

/**
 * dx of a 2-D max pool: each dy goes to the first maximum of its window (in
 * row-major order, padding excluded), as in tfjs's cpu backend and torch.
 * tfjs-wasm's own MaxPoolGrad starts each window's maximum at FLT_MIN (the
 * smallest positive float) at flat position 0 and keeps the last of equal
 * values: a window with no value above 1.2e-38 sends its gradient to element 0
 * of the tensor, and ties go to the last maximum. Where windows overlap, a dx
 * sums several dy: in dy's order and in float64, rounded once, as cpu does, so
 * results match it exactly. Windows that do not overlap run in asm/pool.ts,
 * four channels per SIMD compare; those that tile the input from its corner
 * (window = stride, no padding: the common 2×2, stride-2 pool) write each dx
 * once, without a zeroing pass, split across the kernel pool.
 */
export function maxPoolGrad(args: WasmKernelArgs): tf.TensorInfo {
  const { backend } = args;
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const out = backend.makeOutput(input.shape, 'float32');
  const overlap = info.effectiveFilterHeight > info.strideHeight || info.effectiveFilterWidth > info.strideWidth;
  if (!overlap && input.dtype === 'float32' && dy.dtype === 'float32') {
    const heap = backend as unknown as HeapBackend;
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth, padInfo } = info;
    if (tilesInput(info)) {
      const args = [offsetOf(heap, input), offsetOf(heap, dy), offsetOf(heap, out), batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth, 0, 1];
      runPartitioned(heapMemory(heap), 'maxPoolGradTiled', args, tf.util.sizeFromShape(input.shape));
      return out;
    }
    trainExportsFor(heap).maxPoolGrad(offsetOf(heap, input), offsetOf(heap, dy), offsetOf(heap, out), batchSize, inHeight, inWidth, inChannels, outHeight, outWidth,
      strideHeight, strideWidth, info.effectiveFilterHeight, info.effectiveFilterWidth, padInfo.top, padInfo.left);
    return out;
  }
  // Views after makeOutput: an allocation may grow (and detach) the heap.
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  const at = firstMaxima(x, info);
  if (overlap) {
    // Overlapping windows: a dx may sum several dy.
    const acc = new Float64Array(dx.length);
    for (let o = 0; o < at.length; o++) if (at[o] >= 0) acc[at[o]] += g[o];
    dx.set(acc);
  } else {
    dx.fill(0);
    for (let o = 0; o < at.length; o++) if (at[o] >= 0) dx[at[o]] = g[o];
  }
  return out;
}

/** For each output of the pool (NHWC order), the flat index of its window's first maximum in x, or -1. */
function firstMaxima(x: Float32Array, info: tf.backend_util.Conv2DInfo): Int32Array {
  const { batchSize, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const { effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const at = new Int32Array(batchSize * oh * ow * c);
  const best = new Float32Array(c);
  let o = 0;
  for (let n = 0; n < batchSize; n++) {
    for (let r = 0; r < oh; r++) {
      const r0 = Math.max(r * sh - top, 0);
      const r1 = Math.min(r * sh - top + fh, h);
      for (let q = 0; q < ow; q++, o += c) {
        const q0 = Math.max(q * sw - left, 0);
        const q1 = Math.min(q * sw - left + fw, w);
        // The window's first element starts the search, so no sentinel value is needed.
        let first = true;
        for (let row = r0; row < r1; row++) {
          for (let col = q0; col < q1; col++) {
            const base = ((n * h + row) * w + col) * c;
            if (first) {
              for (let k = 0; k < c; k++) {
                best[k] = x[base + k];
                at[o + k] = base + k;
              }
              first = false;
              continue;
            }
            for (let k = 0; k < c; k++) {
              const v = x[base + k];
              // NaN never wins a comparison, as in tfjs's cpu kernel; a NaN first element stays.
              if (v > best[k]) {
                best[k] = v;
                at[o + k] = base + k;
              }
            }
          }
        }
        if (first) at.fill(-1, o, o + c);
      }
    }
  }
  return at;
}
