import * as tf from '@tensorflow/tfjs-core';
import { type CpuKernelArgs, type CpuKernelImpl, type NumericArray, nchwToNhwc, numericValues, sameShape } from './shared.js';

/**
 * tfjs-backend-cpu 4.22's `Conv2DBackpropFilter` with the same numbers: every
 * filter tap `dW[wR, wC, d1, d2]` is the float64 sum over `b`, `yR`, `yC` (in
 * that order, from 0) of `x · dy`, rounded to float32 once. The stock kernel
 * forms one sum at a time through `TensorBuffer.get`. This one takes one batch
 * element at a time and, within it, 2 × 4 `(d1, d2)` sums at a time in local
 * variables (float64, like the stock `dotProd`) fed from every output pixel in
 * turn; between batch elements the sums wait in a float64 array. Each sum thus
 * still sees its terms in the stock order. NCHW inputs are read from NHWC copies.
 */
export const conv2DBackpropFilter: CpuKernelImpl = (args) => {
  const { inputs, backend, attrs } = args as unknown as CpuKernelArgs<'x' | 'dy', tf.Conv2DBackpropFilterAttrs>;
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  let xv = numericValues(backend, x);
  let dyv = numericValues(backend, dy);
  if (!xv || !dyv || x.shape.length !== 4 || filterShape?.length !== 4) return undefined;
  const format = tf.backend_util.convertConv2DDataFormat(dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    format,
  );
  if (!sameShape(dy.shape, info.outShape) || filterShape[2] !== info.inChannels) return undefined;
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  if (info.dataFormat === 'channelsFirst') {
    xv = nchwToNhwc(xv, batchSize, inChannels, inHeight, inWidth);
    dyv = nchwToNhwc(dyv, batchSize, outChannels, outHeight, outWidth);
  }
  const sums = new Float64Array(filterHeight * filterWidth * inChannels * outChannels);
  for (let b = 0; b < batchSize; ++b) {
    for (let wR = 0; wR < filterHeight; ++wR) {
      for (let wC = 0; wC < filterWidth; ++wC) {
        accumulateTap(sums, xv, dyv, info, b, wR, wC);
      }
    }
  }
  // Float32Array.set rounds each float64 sum to float32, as the stock store does.
  const dW = new Float32Array(sums.length);
  dW.set(sums);
  return backend.makeTensorInfo(info.filterShape, 'float32', dW);
};

/** Adds batch element `b`'s terms of filter tap (wR, wC) to `sums`, for every (d1, d2). */
function accumulateTap(
  sums: Float64Array,
  xVals: NumericArray,
  dyVals: NumericArray,
  info: tf.backend_util.Conv2DInfo,
  b: number,
  wR: number,
  wC: number,
): void {
  const { inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth, filterWidth } = info;
  const topPad = info.padInfo.top;
  const leftPad = info.padInfo.left;
  // The stock bounds, fractional upper ends included.
  const yRMin = Math.max(0, Math.ceil((topPad - wR) / strideHeight));
  const yRMax = Math.min(outHeight, (inHeight + topPad - wR) / strideHeight);
  const yCMin = Math.max(0, Math.ceil((leftPad - wC) / strideWidth));
  const yCMax = Math.min(outWidth, (inWidth + leftPad - wC) / strideWidth);
  if (!(yRMin < yRMax && yCMin < yCMax)) return;
  const tap = (wR * filterWidth + wC) * inChannels * outChannels;
  const d1Pairs = inChannels - (inChannels % 2);
  const d2Quads = outChannels - (outChannels % 4);
  for (let d1 = 0; d1 < inChannels; d1 += 2) {
    const pair = d1 < d1Pairs;
    const o0 = tap + d1 * outChannels;
    const o1 = o0 + outChannels;
    for (let d2 = 0; d2 < d2Quads; d2 += 4) {
      let s00 = sums[o0 + d2], s01 = sums[o0 + d2 + 1], s02 = sums[o0 + d2 + 2], s03 = sums[o0 + d2 + 3];
      if (pair) {
        let s10 = sums[o1 + d2], s11 = sums[o1 + d2 + 1], s12 = sums[o1 + d2 + 2], s13 = sums[o1 + d2 + 3];
        for (let yR = yRMin; yR < yRMax; ++yR) {
          const xRow = (b * inHeight + wR + yR * strideHeight - topPad) * inWidth;
          const dyRow = (b * outHeight + yR) * outWidth;
          for (let yC = yCMin; yC < yCMax; ++yC) {
            const xo = (xRow + wC + yC * strideWidth - leftPad) * inChannels + d1;
            const yo = (dyRow + yC) * outChannels + d2;
            const x0 = xVals[xo], x1 = xVals[xo + 1];
            const y0 = dyVals[yo], y1 = dyVals[yo + 1], y2 = dyVals[yo + 2], y3 = dyVals[yo + 3];
            s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
            s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
          }
        }
        sums[o1 + d2] = s10; sums[o1 + d2 + 1] = s11; sums[o1 + d2 + 2] = s12; sums[o1 + d2 + 3] = s13;
      } else {
        for (let yR = yRMin; yR < yRMax; ++yR) {
          const xRow = (b * inHeight + wR + yR * strideHeight - topPad) * inWidth;
          const dyRow = (b * outHeight + yR) * outWidth;
          for (let yC = yCMin; yC < yCMax; ++yC) {
            const x0 = xVals[(xRow + wC + yC * strideWidth - leftPad) * inChannels + d1];
            const yo = (dyRow + yC) * outChannels + d2;
            s00 += x0 * dyVals[yo]; s01 += x0 * dyVals[yo + 1]; s02 += x0 * dyVals[yo + 2]; s03 += x0 * dyVals[yo + 3];
          }
        }
      }
      sums[o0 + d2] = s00; sums[o0 + d2 + 1] = s01; sums[o0 + d2 + 2] = s02; sums[o0 + d2 + 3] = s03;
    }
    // The last outChannels % 4 columns, one sum at a time, for both rows of the pair.
    for (let r = 0; r < (pair ? 2 : 1); ++r) {
      const o = o0 + r * outChannels;
      for (let d2 = d2Quads; d2 < outChannels; ++d2) {
        let s = sums[o + d2];
        for (let yR = yRMin; yR < yRMax; ++yR) {
          const xRow = (b * inHeight + wR + yR * strideHeight - topPad) * inWidth;
          const dyRow = (b * outHeight + yR) * outWidth;
          for (let yC = yCMin; yC < yCMax; ++yC) {
            s += xVals[(xRow + wC + yC * strideWidth - leftPad) * inChannels + d1 + r] * dyVals[(dyRow + yC) * outChannels + d2];
          }
        }
        sums[o + d2] = s;
      }
    }
  }
}
