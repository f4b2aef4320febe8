import * as tf from '@tensorflow/tfjs-core';
import { lerp } from './lerp.js';

/** Keller Jordan's quintic Newton-Schulz coefficients, torch's `(DEFAULT_A, DEFAULT_B, DEFAULT_C)`. */
export const MUON_NS_COEFFICIENTS: readonly [number, number, number] = [3.4445, -4.775, 2.0315];

/** torch's `adjust_lr_fn`: `'original'` (its default, `null` too) or Moonshot's `'match_rms_adamw'`. */
export type MuonAdjustLrFn = 'original' | 'match_rms_adamw';

/**
 * torch's `_zeropower_via_newtonschulz`: `nsSteps` quintic Newton-Schulz
 * iterations that push the singular values of `grad` (2-D) towards 1, on the
 * backend's matmul. A tall matrix is transposed first, so the Gram matrix is the
 * small one. torch runs it in bfloat16; tfjs has no bfloat16 matmul, so this is float32.
 */
export function zeropowerViaNewtonSchulz(grad: tf.Tensor2D, coefficients: readonly number[], nsSteps: number, eps: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [a, b, c] = coefficients;
    const tall = grad.shape[0] > grad.shape[1];
    let x: tf.Tensor2D = tall ? tf.transpose(grad) : grad;
    // ‖x‖_F ≥ the spectral norm, so the singular values start ≤ 1 (√Σx², cheaper than tf.norm's Pow and Abs)
    x = tf.div(x, tf.maximum(tf.sqrt(tf.sum(tf.square(x))), eps));
    for (let i = 0; i < nsSteps; i++) {
      const gram = tf.matMul(x, x, false, true);
      // torch: b * gram + c * gram @ gram  ((c * gram) @ gram), then a * x + update @ x
      const update = tf.add(tf.mul(gram, b), tf.matMul(tf.mul(gram, c), gram));
      x = tf.add(tf.mul(x, a), tf.matMul(update, x));
    }
    return tall ? tf.transpose(x) : x;
  });
}

/** torch's `_adjust_lr`: the learning rate for a `[A, B]` weight. */
export function muonAdjustedLr(lr: number, adjustLrFn: MuonAdjustLrFn | null, shape: readonly number[]): number {
  const [A, B] = shape;
  if (adjustLrFn === null || adjustLrFn === 'original') return lr * Math.sqrt(Math.max(1, A / B));
  return lr * 0.2 * Math.sqrt(Math.max(A, B));
}

export interface MuonStepConfig {
  lr: number;
  weightDecay: number;
  momentum: number;
  nesterov: boolean;
  nsCoefficients: readonly number[];
  nsSteps: number;
  eps: number;
  adjustLrFn: MuonAdjustLrFn | null;
}

/**
 * One Muon update of one 2-D parameter, torch's `_single_tensor_muon`: momentum
 * `buf ← lerp(buf, g, 1 − μ)`, Nesterov `lerp(g, buf, μ)`, orthogonalized, then
 * `p ← p·(1 − lr·wd) − adjustedLr·O`.
 */
export function muonUpdate(param: tf.Tensor, grad: tf.Tensor, momentumBuffer: tf.Tensor, c: MuonStepConfig): { param: tf.Tensor; momentumBuffer: tf.Tensor } {
  const buf = lerp(momentumBuffer, grad, 1 - c.momentum);
  const update = c.nesterov ? lerp(grad, buf, c.momentum) : buf;
  const ortho = zeropowerViaNewtonSchulz(update as tf.Tensor2D, c.nsCoefficients, c.nsSteps, c.eps);
  const adjusted = muonAdjustedLr(c.lr, c.adjustLrFn, param.shape);
  const p = tf.sub(tf.mul(param, 1 - c.lr * c.weightDecay), tf.mul(ortho, adjusted));
  return { param: p, momentumBuffer: buf };
}
