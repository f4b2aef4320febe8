import * as tf from '@tensorflow/tfjs-core';
import { type CpuKernelArgs, type CpuKernelImpl, numericValues, sameShape } from './shared.js';

/**
 * tfjs-backend-cpu 4.22's `DepthwiseConv2dNativeBackpropFilter` with the same
 * numbers: every `dW[wR, wC, d1, dm]` is the float64 sum over `b`, `yR`, `yC` (in
 * that order, from 0) of `x[…, d1] · dy[…, d1·chMul + dm]`, rounded to float32
 * once. The stock kernel forms one sum at a time through `TensorBuffer.get`; this
 * one takes one batch element at a time and, within it, four output channels'
 * sums at a time in local float64 variables fed from every output pixel in turn
 * (between batch elements they wait in a float64 array), each in the stock
 * order. Like the stock kernel it passes `dilations` to `computeConv2DInfo`
 * (padding and output size) but not to its loops; NHWC only, as the stock kernel.
 */
export const depthwiseConv2dNativeBackpropFilter: CpuKernelImpl = (args) => {
  const { inputs, backend, attrs } = args as unknown as CpuKernelArgs<'x' | 'dy', tf.DepthwiseConv2dNativeBackpropFilterAttrs>;
  const { x, dy } = inputs;
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs;
  const xVals = numericValues(backend, x);
  const dyVals = numericValues(backend, dy);
  if (!xVals || !dyVals || x.shape.length !== 4 || filterShape?.length !== 4) return undefined;
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, dilations, pad, dimRoundingMode, true);
  if (!sameShape(dy.shape, info.outShape) || filterShape[2] !== info.inChannels) return undefined;
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const topPad = info.padInfo.top;
  const leftPad = info.padInfo.left;
  const chMul = outChannels / inChannels;
  // x's channel for each output channel d2 = d1·chMul + dm.
  const xChannel = new Int32Array(outChannels + 3);
  for (let d2 = 0; d2 < outChannels; ++d2) xChannel[d2] = Math.trunc(d2 / chMul);
  const d2Quads = outChannels - (outChannels % 4);
  // dW[wR, wC, d1, dm] sits at (wR·fw + wC)·outChannels + d1·chMul + dm.
  const sums = new Float64Array(filterHeight * filterWidth * outChannels);
  for (let b = 0; b < batchSize; ++b) {
    for (let wR = 0; wR < filterHeight; ++wR) {
      const yRMin = Math.max(0, Math.ceil((topPad - wR) / strideHeight));
      const yRMax = Math.min(outHeight, (inHeight + topPad - wR) / strideHeight);
      for (let wC = 0; wC < filterWidth; ++wC) {
        const yCMin = Math.max(0, Math.ceil((leftPad - wC) / strideWidth));
        const yCMax = Math.min(outWidth, (inWidth + leftPad - wC) / strideWidth);
        const tap = (wR * filterWidth + wC) * outChannels;
        for (let d2 = 0; d2 < d2Quads; d2 += 4) {
          let s0 = sums[tap + d2], s1 = sums[tap + d2 + 1], s2 = sums[tap + d2 + 2], s3 = sums[tap + d2 + 3];
          const c0 = xChannel[d2], c1 = xChannel[d2 + 1], c2 = xChannel[d2 + 2], c3 = xChannel[d2 + 3];
          for (let yR = yRMin; yR < yRMax; ++yR) {
            const xRow = (b * inHeight + wR + yR * strideHeight - topPad) * inWidth;
            const dyRow = (b * outHeight + yR) * outWidth;
            for (let yC = yCMin; yC < yCMax; ++yC) {
              const xo = (xRow + wC + yC * strideWidth - leftPad) * inChannels;
              const yo = (dyRow + yC) * outChannels + d2;
              s0 += xVals[xo + c0] * dyVals[yo];
              s1 += xVals[xo + c1] * dyVals[yo + 1];
              s2 += xVals[xo + c2] * dyVals[yo + 2];
              s3 += xVals[xo + c3] * dyVals[yo + 3];
            }
          }
          sums[tap + d2] = s0;
          sums[tap + d2 + 1] = s1;
          sums[tap + d2 + 2] = s2;
          sums[tap + d2 + 3] = s3;
        }
        for (let d2 = d2Quads; d2 < outChannels; ++d2) {
          let s = sums[tap + d2];
          const c = xChannel[d2];
          for (let yR = yRMin; yR < yRMax; ++yR) {
            const xRow = (b * inHeight + wR + yR * strideHeight - topPad) * inWidth;
            const dyRow = (b * outHeight + yR) * outWidth;
            for (let yC = yCMin; yC < yCMax; ++yC) {
              s += xVals[(xRow + wC + yC * strideWidth - leftPad) * inChannels + c] * dyVals[(dyRow + yC) * outChannels + d2];
            }
          }
          sums[tap + d2] = s;
        }
      }
    }
  }
  // Float32Array.set rounds each float64 sum to float32, as the stock store does.
  const dW = new Float32Array(sums.length);
  dW.set(sums);
  return backend.makeTensorInfo(info.filterShape, 'float32', dW);
};
