import * as tf from '@tensorflow/tfjs-core';

// tfjs-core's Conv2D and DepthwiseConv2dNative gradients throw for dilations > 1
// ("not yet supported in gradients"); torch differentiates dilated convolutions.
// A dilated convolution equals an undilated one with the filter spread out by
// zeros, so its gradients are the undilated backprop kernels on the spread
// filter (for x), and the spread filter's gradient read back at the taps (for
// the filter). The extra terms are exact zeros: the sums are unchanged.

type Pair = [number, number];

function pair(v: unknown): Pair {
  if (v == null) return [1, 1];
  if (typeof v === 'number') return [v, v];
  const a = v as number[];
  return [a[0], a[1]];
}

/**
 * `filter` [KH, KW, I, O] spread to [(KH-1)dh+1, (KW-1)dw+1, I, O] with zeros
 * between the taps. One axis at a time, in rank-3 pads: tfjs-webgpu's Pad
 * shader cannot index vectors of rank above 4.
 */
export function dilateFilter(filter: tf.Tensor4D, [dh, dw]: Pair): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, i, o] = filter.shape;
    const rows = tf.pad(tf.reshape(filter, [kh, 1, kw * i * o]), [[0, 0], [0, dh - 1], [0, 0]]);
    const kh2 = (kh - 1) * dh + 1;
    const tall = tf.slice(tf.reshape(rows, [kh * dh, kw * i * o]), [0, 0], [kh2, kw * i * o]);
    const cols = tf.pad(tf.reshape(tall, [kh2 * kw, 1, i * o]), [[0, 0], [0, dw - 1], [0, 0]]);
    const wide = tf.slice(tf.reshape(cols, [kh2, kw * dw, i * o]), [0, 0, 0], [kh2, (kw - 1) * dw + 1, i * o]);
    return tf.reshape(wide, [kh2, (kw - 1) * dw + 1, i, o]) as tf.Tensor4D;
  });
}

/** The taps of a spread filter's gradient: every dh-th row and dw-th column. */
function taps(grad: tf.Tensor4D, filterShape: number[], [dh, dw]: Pair): tf.Tensor4D {
  return tf.stridedSlice(grad, [0, 0, 0, 0], [grad.shape[0], grad.shape[1], filterShape[2], filterShape[3]], [dh, dw, 1, 1]) as tf.Tensor4D;
}

/** Runs a tfjs kernel by name (the backprop kernels have no public op with every attr). */
function run(kernel: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): tf.Tensor4D {
  return tf.engine().runKernel(kernel, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor4D;
}

function override(kernelName: string, dilatedGrad: tf.GradConfig['gradFunc']): void {
  const stock = tf.getGradient(kernelName);
  if (!stock) return;
  if ((stock as { descentDilated?: boolean }).descentDilated) return;
  tf.registerGradient({
    kernelName,
    inputsToSave: stock.inputsToSave,
    gradFunc: (dy, saved, attrs) => {
      const d = pair((attrs as { dilations?: unknown }).dilations);
      return d[0] === 1 && d[1] === 1 ? stock.gradFunc(dy, saved, attrs) : dilatedGrad(dy, saved, attrs);
    },
    descentDilated: true,
  } as tf.GradConfig);
}

/** Registers the dilated-convolution gradients; undilated ones keep tfjs-core's. Idempotent. */
export function registerDilatedConvGradients(): void {
  override('Conv2D', (grad, saved, attrs) => {
    const dy = grad as tf.Tensor4D;
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { strides, pad, dataFormat, dimRoundingMode, dilations } = attrs as unknown as tf.Conv2DAttrs;
    const d = pair(dilations);
    return {
      x: () => tf.tidy(() => run('Conv2DBackpropInput', { dy, filter: dilateFilter(filter, d) }, { strides, pad, dataFormat, dimRoundingMode, inputShape: x.shape })),
      filter: () =>
        tf.tidy(() => {
          const spread = dilateFilter(filter, d);
          const g = run('Conv2DBackpropFilter', { x, dy }, { strides, pad, dataFormat, dimRoundingMode, filterShape: spread.shape });
          return taps(g, filter.shape, d);
        }),
    };
  });
  override('DepthwiseConv2dNative', (grad, saved, attrs) => {
    const dy = grad as tf.Tensor4D;
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { strides, pad, dimRoundingMode, dilations } = attrs as unknown as tf.DepthwiseConv2dNativeAttrs;
    const d = pair(dilations);
    const common = { strides, pad, dimRoundingMode, dilations: [1, 1] };
    return {
      x: () => tf.tidy(() => run('DepthwiseConv2dNativeBackpropInput', { dy, filter: dilateFilter(filter, d) }, { ...common, inputShape: x.shape })),
      filter: () =>
        tf.tidy(() => {
          const spread = dilateFilter(filter, d);
          const g = run('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...common, filterShape: spread.shape });
          return taps(g, filter.shape, d);
        }),
    };
  });
}
