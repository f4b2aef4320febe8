import * as tf from '@tensorflow/tfjs-core';
import { check, DescentError } from './errors.js';

function presentGrads(grads: tf.NamedTensorMap): tf.Tensor[] {
  return Object.values(grads).filter((g): g is tf.Tensor => g != null);
}

/**
 * The norm of all gradients taken together, as if concatenated into one vector
 * (torch's `clip_grad_norm_` total norm). `normType` may be `Infinity`.
 * Returns a scalar tensor that the caller owns.
 */
export function globalNorm(grads: tf.NamedTensorMap, normType: number = 2): tf.Scalar {
  check(normType > 0 || normType === Infinity, 'normType', normType);
  const list = presentGrads(grads);
  if (list.length === 0) return tf.scalar(0);
  return tf.tidy(() => {
    if (normType === Infinity) {
      return tf.max(tf.stack(list.map((g) => tf.max(tf.abs(g))))) as tf.Scalar;
    }
    if (normType === 2) {
      // Sum of squares across tensors, one sqrt: same value as torch's norm of norms.
      return tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
    }
    const perTensor = list.map((g) => tf.pow(tf.sum(tf.pow(tf.abs(g), normType)), 1 / normType));
    return tf.pow(tf.sum(tf.pow(tf.stack(perTensor), normType)), 1 / normType) as tf.Scalar;
  });
}

/** Options of {@link clipGradNorm}. */
export interface ClipGradNormOptions {
  /** The p of the p-norm; `Infinity` for the max norm. Default 2. */
  normType?: number;
  /** Throw when the total norm is NaN or infinite, like torch's `error_if_nonfinite`. */
  errorIfNonfinite?: boolean;
}

/** What {@link clipGradNorm} returns. */
export interface ClipGradNormResult {
  /** The clipped gradients: new tensors the caller owns. */
  grads: tf.NamedTensorMap;
  /** The total norm before clipping: a scalar tensor the caller owns. */
  totalNorm: tf.Scalar;
}

/**
 * Scales all gradients by `min(1, maxNorm / (totalNorm + 1e-6))`, as
 * `torch.nn.utils.clip_grad_norm_` does. tfjs tensors are immutable, so the
 * clipped gradients are returned as new tensors; the inputs are left alone.
 * Nothing is read back to the host unless `errorIfNonfinite` asks for it.
 */
export function clipGradNorm(grads: tf.NamedTensorMap, maxNorm: number, options: ClipGradNormOptions = {}): ClipGradNormResult {
  check(Number.isFinite(maxNorm) && maxNorm >= 0, 'maxNorm', maxNorm);
  const normType = options.normType ?? 2;
  const totalNorm = globalNorm(grads, normType);
  if (options.errorIfNonfinite) {
    const value = totalNorm.dataSync()[0];
    if (!Number.isFinite(value)) {
      totalNorm.dispose();
      throw new DescentError(
        `The total norm of order ${normType} for gradients from \`parameters\` is non-finite (${value}), so it cannot be clipped.`,
      );
    }
  }
  const coef = tf.tidy(() => tf.minimum(tf.div(tf.scalar(maxNorm), tf.add(totalNorm, tf.scalar(1e-6))), tf.scalar(1)));
  const out: tf.NamedTensorMap = {};
  for (const [name, g] of Object.entries(grads)) {
    if (g == null) continue;
    out[name] = tf.mul(g, coef);
  }
  coef.dispose();
  return { grads: out, totalNorm };
}

/** Clamps every gradient element into `[-clipValue, clipValue]`; returns new tensors. */
export function clipGradValue(grads: tf.NamedTensorMap, clipValue: number): tf.NamedTensorMap {
  check(Number.isFinite(clipValue) && clipValue >= 0, 'clipValue', clipValue);
  const out: tf.NamedTensorMap = {};
  for (const [name, g] of Object.entries(grads)) {
    if (g == null) continue;
    out[name] = tf.clipByValue(g, -clipValue, clipValue);
  }
  return out;
}
