import * as tf from '@tensorflow/tfjs-core';
import { defineFusedOp } from '@descent/core';
import { roundArray } from './half.js';

/**
 * Rounds a float32 tensor to the float16 grid (`bfloat16: false`) or the bfloat16
 * grid (`bfloat16: true`), values kept in float32. The fallback reads the values
 * back to the host, rounds them there bit-exactly and uploads the result, so it
 * is valid on every backend; backends register kernels that stay on the device.
 */
export const ampRoundHalf = /* @__PURE__ */ defineFusedOp({
  name: 'AmpRoundHalf',
  inputs: ['x'] as const,
  outputs: ['y'] as const,
  fallback: ({ x }, { bfloat16 }) => {
    const values = roundArray(x.dataSync() as Float32Array, undefined, bfloat16 ? 'bfloat16' : 'float16');
    return { y: tf.tensor(values, x.shape, 'float32') };
  },
});
