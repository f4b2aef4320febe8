import * as tf from '@tensorflow/tfjs-core';
import { defineFusedOp, fusedOps, type AttrsOf } from '@descent/core';
import { lerp } from '../functional/lerp.js';

type Attrs = AttrsOf<typeof fusedOps.AdafactorStep>;

/**
 * `‖x‖₂ / √numel`, a float32 scalar tensor. A matrix's squares are summed row by row,
 * then the rows: tfjs-wasm's Sum adds float32 values one after another, whose error at
 * ~10k values approaches the 1e-5 tolerance (torch sums pairwise).
 */
function rms(x: tf.Tensor): tf.Tensor {
  const squared = tf.square(x);
  const total = x.rank >= 2 ? tf.sum(tf.sum(squared, -1)) : tf.sum(squared);
  return tf.div(tf.sqrt(total), Math.sqrt(x.size));
}

/**
 * The mean of `squared` (`g²`) over `axis` (kept): torch's `vector_norm(g, dim).square_().div_(n)` without the
 * square root and square (tf.norm's Pow and Abs kernels were most of the step on wasm).
 */
function meanSquare(squared: tf.Tensor, axis: number): tf.Tensor {
  return tf.div(tf.sum(squared, axis, true), squared.shape[squared.rank + axis]);
}

/** The relative step `α = max(eps2, RMS(p))·ρ` (before weight decay), the decayed param, and the signed grad. */
function start(param: tf.Tensor, grad: tf.Tensor, a: Attrs) {
  const g = a.maximize ? tf.neg(grad) : grad;
  const alpha = tf.mul(tf.maximum(rms(param), a.eps2), a.rho);
  const p = a.paramScale !== 1 ? tf.mul(param, a.paramScale) : param;
  return { g, alpha, p };
}

/** `U = g / √max(V̂, eps1²)` clipped to RMS `d`: `p − α·U / max(1, RMS(U)/d)`. */
function finish(p: tf.Tensor, g: tf.Tensor, alpha: tf.Tensor, varEstimate: tf.Tensor, a: Attrs): tf.Tensor {
  const update = tf.mul(tf.rsqrt(tf.maximum(varEstimate, a.eps1Sq)), g);
  const denom = tf.maximum(tf.div(rms(update), a.d), 1);
  return tf.sub(p, tf.mul(update, tf.div(alpha, denom)));
}

/**
 * Adafactor (torch 2.5's `_single_tensor_adafactor`) for a parameter of rank ≤ 1:
 * `variance ← lerp(variance, g², 1 − β₂ₜ)`. torch reads α and the clipping
 * denominator back to the host; here they stay float32 tensors. See KERNELS.md.
 */
export const adafactorStep = defineFusedOp(fusedOps.AdafactorStep, ({ param, grad, variance }, a) => {
  const { g, alpha, p } = start(param, grad, a);
  const v = lerp(variance, tf.mul(g, g), a.oneMinusBeta2);
  return { param: finish(p, g, alpha, v, a), variance: v };
});

/**
 * Adafactor for a parameter of rank ≥ 2: row and column means of `g²` over the
 * last two axes, each `lerp`ed into its factor, and `V̂ = rowVar·colVar / max(mean(rowVar), eps1)`
 * (torch's `row_var @ col_var`, an outer product: one product per element). See KERNELS.md.
 */
export const adafactorFactoredStep = defineFusedOp(fusedOps.AdafactorFactoredStep, ({ param, grad, rowVar, colVar }, a) => {
  const { g, alpha, p } = start(param, grad, a);
  const squared = tf.square(g);
  const row = lerp(rowVar, meanSquare(squared, -1), a.oneMinusBeta2);
  const col = lerp(colVar, meanSquare(squared, -2), a.oneMinusBeta2);
  const varEstimate = tf.div(tf.mul(row, col), tf.maximum(tf.mean(row, -2, true), a.eps1));
  return { param: finish(p, g, alpha, varEstimate, a), rowVar: row, colVar: col };
});
