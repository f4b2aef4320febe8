import * as tf from '@tensorflow/tfjs-core';
import { type CpuKernelArgs, type CpuKernelImpl, numericValues, sameShape } from './shared.js';

/**
 * tfjs-backend-cpu 4.22's `MaxPoolGrad` with the same numbers. Each window picks
 * its first strict maximum from -Infinity, scanning rows then columns (a window
 * of NaNs and -Infinity picks nothing), as `maxPoolPositions`; every `dx` element
 * is the float64 sum, from 0, of the `dy` of the windows that picked it, in
 * window order (rows, then columns), rounded to float32 once.
 *
 * The stock kernel finds the positions through `TensorBuffer.get`, then, for
 * every `dx` element, tries every filter tap of every window. This one sends
 * each window's `dy` straight to the element it picked, windows in the same
 * order, so every element receives the same terms in the same order: into a
 * float64 array when windows overlap, and straight into `dx` when they do not
 * (an element then gets at most one term; `0 + dy` as the stock sum, so -0 turns
 * to +0). NHWC, as the stock kernel.
 */
export const maxPoolGrad: CpuKernelImpl = (args) => {
  const { inputs, backend, attrs } = args as unknown as CpuKernelArgs<'dy' | 'input' | 'output', tf.MaxPoolGradAttrs>;
  const { dy, input: x } = inputs;
  const { filterSize, strides, pad, dimRoundingMode } = attrs;
  const xValues = numericValues(backend, x);
  const dyValues = numericValues(backend, dy);
  if (!xValues || !dyValues || x.shape.length !== 4) return undefined;
  const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  if (!sameShape(dy.shape, info.outShape) || info.dilationHeight !== 1 || info.dilationWidth !== 1) return undefined;
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const effH = info.effectiveFilterHeight;
  const effW = info.effectiveFilterWidth;
  const size = batchSize * inHeight * inWidth * channels;
  const dx = new Float32Array(size);
  const overlapping = strideHeight < effH || strideWidth < effW;
  const sums = overlapping ? new Float64Array(size) : undefined;
  for (let b = 0; b < batchSize; ++b) {
    for (let yR = 0; yR < outHeight; ++yR) {
      const xRCorner = yR * strideHeight - info.padInfo.top;
      const xRMin = Math.max(0, xRCorner);
      const xRMax = Math.min(inHeight, effH + xRCorner);
      for (let yC = 0; yC < outWidth; ++yC) {
        const xCCorner = yC * strideWidth - info.padInfo.left;
        const xCMin = Math.max(0, xCCorner);
        const xCMax = Math.min(inWidth, effW + xCCorner);
        const window = ((b * outHeight + yR) * outWidth + yC) * channels;
        for (let d = 0; d < channels; ++d) {
          let maxValue = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let xR = xRMin; xR < xRMax; ++xR) {
            const row = (b * inHeight + xR) * inWidth;
            for (let xC = xCMin; xC < xCMax; ++xC) {
              const i = (row + xC) * channels + d;
              const pixel = xValues[i];
              if (pixel > maxValue) {
                maxValue = pixel;
                at = i;
              }
            }
          }
          if (at < 0) continue;
          if (sums) sums[at] += dyValues[window + d];
          else dx[at] = 0 + dyValues[window + d];
        }
      }
    }
  }
  if (sums) dx.set(sums);
  return backend.makeTensorInfo(x.shape, 'float32', dx);
};
