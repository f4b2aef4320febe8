import * as tf from '@tensorflow/tfjs-core';
import { type CpuKernelArgs, type CpuKernelImpl, numericValues, sameShape } from './shared.js';

/**
 * tfjs-backend-cpu 4.22's `AvgPoolGrad` with the same numbers: every `dx`
 * element is the float64 sum, from 0 and in window order (rows, then columns),
 * of the `dy` of the windows that cover it, times `1 / (filterHeight ·
 * filterWidth)` (the full window, padding included, as the stock kernel), rounded
 * to float32 once. The stock kernel reads `dy` through `TensorBuffer.get` and
 * tries every filter tap per element; this one lists only the covering windows
 * and does all channels of a pixel together. NHWC, as the stock kernel.
 */
export const avgPoolGrad: CpuKernelImpl = (args) => {
  const { inputs, backend, attrs } = args as unknown as CpuKernelArgs<'dy' | 'input', tf.AvgPoolGradAttrs>;
  const { dy, input: x } = inputs;
  const { filterSize, strides, pad } = attrs;
  const dyValues = numericValues(backend, dy);
  if (!dyValues || !numericValues(backend, x) || x.shape.length !== 4) return undefined;
  // The stock kernel passes no dimRoundingMode.
  const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], filterSize, strides, 1, pad);
  if (!sameShape(dy.shape, info.outShape) || info.dilationHeight !== 1 || info.dilationWidth !== 1) return undefined;
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const effH = info.effectiveFilterHeight;
  const effW = info.effectiveFilterWidth;
  const padTop = effH - 1 - info.padInfo.top;
  const padLeft = effW - 1 - info.padInfo.left;
  const avgMultiplier = 1 / (info.filterHeight * info.filterWidth);
  const dx = new Float32Array(batchSize * inHeight * inWidth * channels);
  const acc = new Float64Array(channels);
  for (let b = 0; b < batchSize; ++b) {
    for (let dxR = 0; dxR < inHeight; ++dxR) {
      const dyRCorner = dxR - padTop;
      const dyRMin = Math.max(0, Math.ceil(dyRCorner / strideHeight));
      const dyRMax = Math.min(outHeight - 1, Math.floor((dyRCorner + effH - 1) / strideHeight));
      for (let dxC = 0; dxC < inWidth; ++dxC) {
        const dyCCorner = dxC - padLeft;
        const dyCMin = Math.max(0, Math.ceil(dyCCorner / strideWidth));
        const dyCMax = Math.min(outWidth - 1, Math.floor((dyCCorner + effW - 1) / strideWidth));
        acc.fill(0);
        for (let dyR = dyRMin; dyR <= dyRMax; ++dyR) {
          for (let dyC = dyCMin; dyC <= dyCMax; ++dyC) {
            const window = ((b * outHeight + dyR) * outWidth + dyC) * channels;
            for (let d = 0; d < channels; ++d) acc[d] += dyValues[window + d];
          }
        }
        const dxOffset = ((b * inHeight + dxR) * inWidth + dxC) * channels;
        for (let d = 0; d < channels; ++d) dx[dxOffset + d] = acc[d] * avgMultiplier;
      }
    }
  }
  return backend.makeTensorInfo(x.shape, 'float32', dx);
};
