import * as tf from '@tensorflow/tfjs-core';
import { lerp } from './lerp.js';

/** float32's machine epsilon, torch's `torch.finfo(torch.float32).eps`: Adafactor's `eps1` when it is `null`. */
export const FLOAT32_EPS = 2 ** -23;

export interface AdafactorStepConfig {
  /** The step count after this step. */
  step: number;
  lr: number;
  beta2Decay: number;
  eps1: number;
  eps2: number;
  d: number;
  weightDecay: number;
  maximize: boolean;
}

/** The second-moment state of one parameter: row and column factors (rank ≥ 2) or a full `variance`. */
export type AdafactorMoments = { rowVar: tf.Tensor; colVar: tf.Tensor } | { variance: tf.Tensor };

/** Whether a parameter's second moment is factored: torch factors every gradient of rank > 1 over its last two axes. */
export function isFactored(shape: readonly number[]): boolean {
  return shape.length > 1;
}

/** The row and column factors' shapes: the last axis, or the one before it, reduced to 1. */
export function factorShapes(shape: readonly number[]): { row: number[]; col: number[] } {
  const row = [...shape];
  row[row.length - 1] = 1;
  const col = [...shape];
  col[col.length - 2] = 1;
  return { row, col };
}

/**
 * The mean of `squared` (`g²`) over `axis` (kept): torch's `vector_norm(g, dim).square_().div_(n)` without the
 * square root and square (tf.norm's Pow and Abs kernels were most of the step on wasm).
 */
function meanSquare(squared: tf.Tensor, axis: number): tf.Tensor {
  return tf.div(tf.sum(squared, axis, true), squared.shape[squared.rank + axis]);
}

/** `‖x‖₂ / √numel`, a float32 scalar tensor. */
function rms(x: tf.Tensor): tf.Tensor {
  return tf.div(tf.sqrt(tf.sum(tf.square(x))), Math.sqrt(x.size));
}

/**
 * One Adafactor update of one parameter, torch 2.5's `_single_tensor_adafactor`:
 * the relative step `α = max(eps2, RMS(p))·min(lr, 1/√t)`, decoupled weight decay,
 * second moments by `lerp` with `1 − β₂ₜ = t^beta2Decay` (factored into row and
 * column means for rank ≥ 2), `U = g / √max(V̂, eps1²)` clipped to RMS `d`, `p ← p − α·Û`.
 * torch reads α and the clipping denominator back to the host; here they stay
 * float32 tensors on the device.
 */
export function adafactorUpdate(param: tf.Tensor, grad: tf.Tensor, moments: AdafactorMoments, c: AdafactorStepConfig): { param: tf.Tensor } & Record<string, tf.Tensor> {
  const g = c.maximize ? tf.neg(grad) : grad;
  const oneMinusBeta2 = c.step ** c.beta2Decay;
  const rho = Math.min(c.lr, 1 / c.step ** 0.5);
  const alpha = tf.mul(tf.maximum(rms(param), c.eps2), rho);
  const p = c.weightDecay !== 0 ? tf.mul(param, 1 - c.lr * c.weightDecay) : param;
  let varEstimate: tf.Tensor;
  let next: Record<string, tf.Tensor>;
  if ('rowVar' in moments) {
    const squared = tf.square(g);
    const rowVar = lerp(moments.rowVar, meanSquare(squared, -1), oneMinusBeta2);
    const colVar = lerp(moments.colVar, meanSquare(squared, -2), oneMinusBeta2);
    // torch: row_var @ col_var, an outer product ([.., n, 1] @ [.., 1, m]): one product per element.
    varEstimate = tf.div(tf.mul(rowVar, colVar), tf.maximum(tf.mean(rowVar, -2, true), c.eps1));
    next = { rowVar, colVar };
  } else {
    const variance = lerp(moments.variance, tf.mul(g, g), oneMinusBeta2);
    varEstimate = variance;
    next = { variance };
  }
  const update = tf.mul(tf.rsqrt(tf.maximum(varEstimate, c.eps1 * c.eps1)), g);
  const denom = tf.maximum(tf.div(rms(update), c.d), 1);
  return { param: tf.sub(p, tf.mul(update, tf.div(alpha, denom))), ...next };
}
