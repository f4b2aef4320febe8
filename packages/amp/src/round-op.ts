import * as tf from '@tensorflow/tfjs-core';
import { defineFusedOp, fusedOps, roundArray } from '@descent/core';

/**
 * Rounds a float32 tensor to the float16 grid (`bfloat16: false`) or the bfloat16
 * grid (`bfloat16: true`), values kept in float32. The fallback reads the values
 * back to the host, rounds them there bit-exactly and uploads the result, so it
 * is valid on every backend; adapters register kernels that stay on the device.
 */
export const ampRoundHalf = /* @__PURE__ */ defineFusedOp(fusedOps.AmpRoundHalf, ({ x }, { bfloat16 }) => {
  const values = roundArray(x.dataSync() as Float32Array, undefined, bfloat16 ? 'bfloat16' : 'float16');
  return { y: tf.tensor(values, x.shape, 'float32') };
});
