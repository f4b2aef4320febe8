import * as tf from '@tensorflow/tfjs-core';
import { defineFusedOp, fusedOps } from '@descent/core';

/**
 * One pass over a gradient: `unscaled = grad * invScale` (float32 multiply) and
 * `nonFinite = 1` if any element of `grad` is ±Inf or NaN, else 0 (a float32
 * scalar). torch's `_amp_foreach_non_finite_check_and_unscale_`, one tensor at a
 * time. The check looks at the input, as torch does. See KERNELS.md.
 */
export const ampUnscale = /* @__PURE__ */ defineFusedOp(fusedOps.AmpUnscale, ({ grad }, { invScale }) => ({
  unscaled: tf.mul(grad, tf.scalar(invScale, 'float32')),
  nonFinite: tf.cast(tf.any(tf.logicalNot(tf.isFinite(grad))), 'float32'),
}));
