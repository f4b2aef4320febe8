import * as tf from '@tensorflow/tfjs-core';
import { type CpuKernelArgs, type CpuKernelImpl, numericValues, sameShape } from './shared.js';

/**
 * tfjs-backend-cpu 4.22's `Conv2DBackpropInput` with the same numbers: every
 * `dx[b, xR, xC, d1]` is the float64 sum over `yR`, `yC`, `d2` (in that order,
 * from 0) of `dy · w`, rounded to float32 once. The stock kernel forms one sum at
 * a time, a chain of dependent adds; this one forms the sums of four channels
 * `d1` of a pixel side by side (their windows are the same) in local float64
 * variables, each `dy` value read once for the four, so each sum still sees its
 * terms in the stock order. NHWC and NCHW, as the stock kernel.
 */
export const conv2DBackpropInput: CpuKernelImpl = (args) => {
  const { inputs, backend, attrs } = args as unknown as CpuKernelArgs<'dy' | 'filter', tf.Conv2DBackpropInputAttrs>;
  const { dy, filter } = inputs;
  const { inputShape, strides, pad, dataFormat, dimRoundingMode } = attrs;
  const dyValues = numericValues(backend, dy);
  const fltValues = numericValues(backend, filter);
  if (!dyValues || !fltValues || filter.shape.length !== 4 || inputShape?.length !== 4) return undefined;
  const format = tf.backend_util.convertConv2DDataFormat(dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    format,
  );
  if (!sameShape(dy.shape, info.outShape) || filter.shape[2] !== info.inChannels) return undefined;
  const { batchSize, filterHeight, filterWidth, inChannels, inHeight, inWidth, outChannels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const topPad = filterHeight - 1 - info.padInfo.top;
  const leftPad = filterWidth - 1 - info.padInfo.left;
  const isChannelsLast = info.dataFormat === 'channelsLast';
  const dxStrides = tf.util.computeStrides(info.inShape);
  const dyStrides = tf.util.computeStrides(dy.shape);
  const xBatchStride = dxStrides[0];
  const xRowStride = isChannelsLast ? dxStrides[1] : dxStrides[2];
  const xColStride = isChannelsLast ? dxStrides[2] : 1;
  const xChannelStride = isChannelsLast ? 1 : dxStrides[1];
  const yBatchStride = dyStrides[0];
  const yRowStride = isChannelsLast ? dyStrides[1] : dyStrides[2];
  const yColStride = isChannelsLast ? dyStrides[2] : 1;
  const yChannelStride = isChannelsLast ? 1 : dyStrides[1];
  // w[kR, kC, d1, d2] sits at kR·fltS0 + kC·fltS1 + d1·outChannels + d2.
  const fltS1 = inChannels * outChannels;
  const fltS0 = filterWidth * fltS1;
  const d1Quads = inChannels - (inChannels % 4);

  const dx = new Float32Array(batchSize * inChannels * inHeight * inWidth);
  for (let b = 0; b < batchSize; ++b) {
    for (let xR = 0; xR < inHeight; ++xR) {
      const xRCorner = xR - topPad;
      const xRMin = Math.max(0, Math.ceil(xRCorner / strideHeight));
      const yRMax = Math.min(outHeight, (filterHeight + xRCorner) / strideHeight);
      for (let xC = 0; xC < inWidth; ++xC) {
        const xCCorner = xC - leftPad;
        const xCMin = Math.max(0, Math.ceil(xCCorner / strideWidth));
        const yCMax = Math.min(outWidth, (filterWidth + xCCorner) / strideWidth);
        const dxOffset = xBatchStride * b + xRowStride * xR + xColStride * xC;
        for (let d1 = 0; d1 < d1Quads; d1 += 4) {
          let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
          for (let yR = xRMin; yR < yRMax; ++yR) {
            const wR = yR * strideHeight - xRCorner;
            for (let yC = xCMin; yC < yCMax; ++yC) {
              const wC = yC * strideWidth - xCCorner;
              const dyOffset = yBatchStride * b + yRowStride * yR + yColStride * yC;
              const f0 = fltS0 * (filterHeight - 1 - wR) + fltS1 * (filterWidth - 1 - wC) + outChannels * d1;
              const f1 = f0 + outChannels, f2 = f1 + outChannels, f3 = f2 + outChannels;
              for (let d2 = 0; d2 < outChannels; ++d2) {
                const pixel = dyValues[dyOffset + yChannelStride * d2];
                s0 += pixel * fltValues[f0 + d2];
                s1 += pixel * fltValues[f1 + d2];
                s2 += pixel * fltValues[f2 + d2];
                s3 += pixel * fltValues[f3 + d2];
              }
            }
          }
          dx[dxOffset + xChannelStride * d1] = s0;
          dx[dxOffset + xChannelStride * (d1 + 1)] = s1;
          dx[dxOffset + xChannelStride * (d1 + 2)] = s2;
          dx[dxOffset + xChannelStride * (d1 + 3)] = s3;
        }
        for (let d1 = d1Quads; d1 < inChannels; ++d1) {
          let dotProd = 0;
          for (let yR = xRMin; yR < yRMax; ++yR) {
            const wR = yR * strideHeight - xRCorner;
            for (let yC = xCMin; yC < yCMax; ++yC) {
              const wC = yC * strideWidth - xCCorner;
              const dyOffset = yBatchStride * b + yRowStride * yR + yColStride * yC;
              const f0 = fltS0 * (filterHeight - 1 - wR) + fltS1 * (filterWidth - 1 - wC) + outChannels * d1;
              for (let d2 = 0; d2 < outChannels; ++d2) dotProd += dyValues[dyOffset + yChannelStride * d2] * fltValues[f0 + d2];
            }
          }
          dx[dxOffset + xChannelStride * d1] = dotProd;
        }
      }
    }
  }
  return backend.makeTensorInfo(info.inShape, 'float32', dx);
};
