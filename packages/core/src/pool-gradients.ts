import * as tf from '@tensorflow/tfjs-core';

// tfjs's avgPool divides each window by the number of real (unpadded)
// elements in it, as torch's count_include_pad=False does, but the AvgPoolGrad
// kernels of cpu, wasm and webgpu all divide by the full window size. With
// padding, border gradients come out wrong. The kernels' result is correct
// for a dy scaled by window size / real count per output position, so the
// gradient scales dy by that (a constant [1, OH, OW, 1] tensor) first.

/** Real elements in each pooling window, over the output grid: [OH, OW] row-major. */
export function windowCounts(info: tf.backend_util.Conv2DInfo): Float32Array {
  const span = (o: number, stride: number, pad: number, size: number, extent: number) => {
    const start = o * stride - pad;
    return Math.min(start + size, extent) - Math.max(start, 0);
  };
  const counts = new Float32Array(info.outHeight * info.outWidth);
  for (let r = 0; r < info.outHeight; r++) {
    const rows = span(r, info.strideHeight, info.padInfo.top, info.effectiveFilterHeight, info.inHeight);
    for (let c = 0; c < info.outWidth; c++) counts[r * info.outWidth + c] = rows * span(c, info.strideWidth, info.padInfo.left, info.effectiveFilterWidth, info.inWidth);
  }
  return counts;
}

/** Registers the corrected AvgPool gradient; unpadded pools keep tfjs-core's. Idempotent. */
export function registerAvgPoolGradient(): void {
  const stock = tf.getGradient('AvgPool');
  if (!stock || (stock as { descentCounts?: boolean }).descentCounts) return;
  tf.registerGradient({
    kernelName: 'AvgPool',
    inputsToSave: stock.inputsToSave,
    gradFunc: (grad, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.AvgPoolAttrs;
      const x4 = x.rank === 3 ? ([1, ...x.shape] as [number, number, number, number]) : (x.shape as [number, number, number, number]);
      const info = tf.backend_util.computePool2DInfo(x4, filterSize, strides, 1, pad, dimRoundingMode);
      const full = info.effectiveFilterHeight * info.effectiveFilterWidth;
      const counts = windowCounts(info);
      if (counts.every((c) => c === full)) return stock.gradFunc(grad, saved, attrs);
      return {
        x: () =>
          tf.tidy(() => {
            const scale = tf.tensor4d(counts.map((c) => full / c), [1, info.outHeight, info.outWidth, 1]);
            const dy = tf.reshape(grad as tf.Tensor, [x4[0], info.outHeight, info.outWidth, info.outChannels]);
            const dx = tf.engine().runKernel('AvgPoolGrad', { dy: tf.mul(dy, scale), input: tf.reshape(x, x4) }, { filterSize, strides, pad } as unknown as tf.NamedAttrMap) as tf.Tensor;
            return tf.reshape(dx, x.shape);
          }),
      };
    },
    descentCounts: true,
  } as tf.GradConfig);
}
