import * as tf from '@tensorflow/tfjs-core';

/** Keller Jordan's quintic Newton-Schulz coefficients, torch's `(DEFAULT_A, DEFAULT_B, DEFAULT_C)`. */
export const MUON_NS_COEFFICIENTS: readonly [number, number, number] = [3.4445, -4.775, 2.0315];

/** torch's `adjust_lr_fn`: `'original'` (its default, `null` too) or Moonshot's `'match_rms_adamw'`. */
export type MuonAdjustLrFn = 'original' | 'match_rms_adamw';

/**
 * torch's `_zeropower_via_newtonschulz`: `nsSteps` quintic Newton-Schulz
 * iterations that push the singular values of `grad` (2-D) towards 1, on the
 * backend's matmul. torch runs it in bfloat16; tfjs has no bfloat16 matmul, so this is float32.
 */
export function zeropowerViaNewtonSchulz(grad: tf.Tensor2D, coefficients: readonly number[], nsSteps: number, eps: number): tf.Tensor2D {
  return tf.tidy(() => {
    // ‖x‖_F ≥ the spectral norm, so the singular values start ≤ 1 (√Σx², cheaper than tf.norm's Pow and Abs)
    const x = tf.div(grad, tf.maximum(tf.sqrt(tf.sum(tf.square(grad))), eps)) as tf.Tensor2D;
    return newtonSchulzIterations(x, coefficients, nsSteps);
  });
}

/**
 * The iterations of {@link zeropowerViaNewtonSchulz} on an `x` already divided by its
 * Frobenius norm (Muon's fused momentum op does that). A tall matrix is transposed
 * first, so the Gram matrix is the small one.
 */
export function newtonSchulzIterations(normalized: tf.Tensor2D, coefficients: readonly number[], nsSteps: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [a, b, c] = coefficients;
    const tall = normalized.shape[0] > normalized.shape[1];
    let x: tf.Tensor2D = tall ? tf.transpose(normalized) : normalized;
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
