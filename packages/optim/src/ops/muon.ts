import * as tf from '@tensorflow/tfjs-core';
import { defineFusedOp, fusedOps } from '@descent/core';
import { lerp } from '../functional/lerp.js';

/**
 * Muon's elementwise front (torch 2.9's `_single_tensor_muon`): `buf ← lerp(buf, g, 1 − μ)`,
 * the update `lerp(g, buf, μ)` (Nesterov) or `buf`, divided by `max(‖update‖_F, eps)` as
 * `_zeropower_via_newtonschulz` starts (the norm of a matrix and of its transpose are equal). See KERNELS.md.
 */
export const muonMomentum = defineFusedOp(fusedOps.MuonMomentum, ({ grad, momentumBuffer }, a) => {
  const buf = lerp(momentumBuffer, grad, a.oneMinusMomentum);
  const update = a.nesterov ? lerp(grad, buf, a.momentum) : buf;
  const norm = tf.sqrt(tf.sum(tf.square(update)));
  return { momentumBuffer: buf, update: tf.div(update, tf.maximum(norm, a.eps)) };
});

/** Muon's elementwise end: `p·(1 − lr·wd) − adjustedLr·O`. See KERNELS.md. */
export const muonApply = defineFusedOp(fusedOps.MuonApply, ({ param, ortho }, a) => ({
  param: tf.sub(tf.mul(param, a.paramScale), tf.mul(ortho, a.adjustedLr)),
}));
