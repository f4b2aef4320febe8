import * as tf from '@tensorflow/tfjs-core';
import { type CpuKernelArgs, type CpuKernelImpl, numericValues, sameShape } from './shared.js';

/**
 * tfjs-backend-cpu 4.22's `DepthwiseConv2dNativeBackpropInput` with the same
 * numbers: every `dx[b, xR, xC, d1]` is the float64 sum over `yR`, `yC`, `dm` (in
 * that order, from 0) of `dy · w`, rounded to float32 once. The stock kernel runs
 * one sum at a time (with a channel multiplier of 1, a loop of one step per
 * window tap); this one forms the sums of four channels of a pixel side by side
 * in local float64 variables, each in the stock order. Like the stock kernel it
 * passes `dilations` to `computeConv2DInfo` but not to its loops; NHWC only.
 */
export const depthwiseConv2dNativeBackpropInput: CpuKernelImpl = (args) => {
  const { inputs, backend, attrs } = args as unknown as CpuKernelArgs<'dy' | 'filter', tf.DepthwiseConv2dNativeBackpropInputAttrs>;
  const { dy, filter } = inputs;
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs;
  const dyValues = numericValues(backend, dy);
  const fltValues = numericValues(backend, filter);
  if (!dyValues || !fltValues || filter.shape.length !== 4 || inputShape?.length !== 4) return undefined;
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, dilations, pad, dimRoundingMode, true);
  if (!sameShape(dy.shape, info.outShape) || filter.shape[2] !== info.inChannels) return undefined;
  const { batchSize, filterHeight, filterWidth, inChannels, inHeight, inWidth, outChannels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const topPad = filterHeight - 1 - info.padInfo.top;
  const leftPad = filterWidth - 1 - info.padInfo.left;
  const chMul = outChannels / inChannels;
  // Channels handled four at a time (multiplier 1); the rest one sum at a time.
  const d1Quads = chMul === 1 ? inChannels - (inChannels % 4) : 0;
  const dx = new Float32Array(batchSize * inHeight * inWidth * inChannels);
  for (let b = 0; b < batchSize; ++b) {
    for (let xR = 0; xR < inHeight; ++xR) {
      const xRCorner = xR - topPad;
      const xRMin = Math.max(0, Math.ceil(xRCorner / strideHeight));
      const yRMax = Math.min(outHeight, (filterHeight + xRCorner) / strideHeight);
      for (let xC = 0; xC < inWidth; ++xC) {
        const xCCorner = xC - leftPad;
        const xCMin = Math.max(0, Math.ceil(xCCorner / strideWidth));
        const yCMax = Math.min(outWidth, (filterWidth + xCCorner) / strideWidth);
        const dxOffset = ((b * inHeight + xR) * inWidth + xC) * inChannels;
        for (let d1 = 0; d1 < d1Quads; d1 += 4) {
          let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
          for (let yR = xRMin; yR < yRMax; ++yR) {
            const wR = yR * strideHeight - xRCorner;
            for (let yC = xCMin; yC < yCMax; ++yC) {
              const wC = yC * strideWidth - xCCorner;
              const o = ((b * outHeight + yR) * outWidth + yC) * outChannels + d1;
              const f = ((filterHeight - 1 - wR) * filterWidth + (filterWidth - 1 - wC)) * outChannels + d1;
              s0 += dyValues[o] * fltValues[f];
              s1 += dyValues[o + 1] * fltValues[f + 1];
              s2 += dyValues[o + 2] * fltValues[f + 2];
              s3 += dyValues[o + 3] * fltValues[f + 3];
            }
          }
          dx[dxOffset + d1] = s0;
          dx[dxOffset + d1 + 1] = s1;
          dx[dxOffset + d1 + 2] = s2;
          dx[dxOffset + d1 + 3] = s3;
        }
        for (let d1 = d1Quads; d1 < inChannels; ++d1) {
          let dotProd = 0;
          for (let yR = xRMin; yR < yRMax; ++yR) {
            const wR = yR * strideHeight - xRCorner;
            for (let yC = xCMin; yC < yCMax; ++yC) {
              const wC = yC * strideWidth - xCCorner;
              const o = ((b * outHeight + yR) * outWidth + yC) * outChannels + d1 * chMul;
              const f = ((filterHeight - 1 - wR) * filterWidth + (filterWidth - 1 - wC)) * outChannels + d1 * chMul;
              for (let dm = 0; dm < chMul; ++dm) dotProd += dyValues[o + dm] * fltValues[f + dm];
            }
          }
          dx[dxOffset + d1] = dotProd;
        }
      }
    }
  }
  return backend.makeTensorInfo(info.inShape, 'float32', dx);
};
