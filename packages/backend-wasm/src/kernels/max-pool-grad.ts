import * as tf from '@tensorflow/tfjs-core';
import type { WasmKernelArgs } from './helpers.js';

/**
 * dx of a 2-D max pool: each dy goes to the first maximum of its window (in
 * row-major order, padding excluded), as in tfjs's cpu backend and torch.
 * tfjs-wasm's own MaxPoolGrad starts each window's maximum at FLT_MIN (the
 * smallest positive float) at flat position 0 and keeps the last of equal
 * values: a window with no value above 1.2e-38 sends its gradient to element 0
 * of the tensor, and ties go to the last maximum. Where windows
 * overlap, a dx sums several dy: in dy's order and in float64, rounded once,
 * as cpu does, so results match it exactly.
 */
export function maxPoolGrad(args: WasmKernelArgs): tf.TensorInfo {
  const { backend } = args;
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const { effectiveFilterHeight: fh, effectiveFilterWidth: fw, dilationHeight: dh, dilationWidth: dw } = info;
  const out = backend.makeOutput(input.shape, 'float32');
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  const overlap = fh > sh || fw > sw;
  // Without overlap each dx gets at most one dy: sum straight into float32.
  const acc = overlap ? new Float64Array(dx.length) : dx;
  acc.fill(0);
  const best = new Float32Array(c);
  const at = new Int32Array(c);
  for (let n = 0; n < batchSize; n++) {
    for (let r = 0; r < oh; r++) {
      const r0 = r * sh - info.padInfo.top;
      for (let q = 0; q < ow; q++) {
        const q0 = q * sw - info.padInfo.left;
        best.fill(-Infinity);
        at.fill(-1);
        for (let i = 0; i < fh; i += dh) {
          const row = r0 + i;
          if (row < 0 || row >= h) continue;
          for (let j = 0; j < fw; j += dw) {
            const col = q0 + j;
            if (col < 0 || col >= w) continue;
            const base = ((n * h + row) * w + col) * c;
            for (let k = 0; k < c; k++) {
              const v = x[base + k];
              if (v > best[k]) {
                best[k] = v;
                at[k] = base + k;
              }
            }
          }
        }
        const o = ((n * oh + r) * ow + q) * c;
        for (let k = 0; k < c; k++) if (at[k] >= 0) acc[at[k]] += g[o + k];
      }
    }
  }
  if (overlap) dx.set(acc);
  return out;
}
