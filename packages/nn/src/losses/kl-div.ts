import * as tf from '@tensorflow/tfjs-core';
import { checkFloat, checkReduction, checkSameShape, checkTensor } from './util.js';

/** {@link klDiv}'s reductions, torch's: `'batchmean'` divides the sum by the batch size. */
export type KlDivReduction = 'mean' | 'batchmean' | 'sum' | 'none';

/** Options of {@link klDiv}, `F.kl_div`'s. */
export interface KlDivOptions {
  /**
   * Default 'mean' (torch's default, the mean over every element); 'batchmean',
   * the sum divided by the batch size input.shape[0], is the actual KL divergence.
   */
  reduction?: KlDivReduction;
  /** The target is given as log-probabilities. Default false. */
  logTarget?: boolean;
}

const KL_REDUCTIONS: readonly KlDivReduction[] = ['mean', 'batchmean', 'sum', 'none'];

/**
 * torch.nn.functional.kl_div (1.13): `input` log-probabilities, `target`
 * probabilities (log-probabilities with `logTarget`); per element
 * xlogy(t, t) - t·input (xlogy(0, 0) = 0), or e^t·(t - input) with logTarget.
 */
export function klDiv(input: tf.Tensor, target: tf.Tensor, options: KlDivOptions = {}): tf.Tensor {
  const { reduction = 'mean', logTarget = false } = options;
  checkTensor('input', input);
  checkTensor('target', target);
  checkReduction(reduction, KL_REDUCTIONS);
  checkFloat('input', input);
  checkFloat('target', target);
  checkSameShape(input, target);
  return tf.tidy(() => {
    let loss: tf.Tensor;
    if (logTarget) {
      loss = tf.mul(tf.exp(target), tf.sub(target, input));
    } else {
      // xlogy(t, t): 0 where t = 0, NaN where t < 0, as torch. (greaterEqual: tfjs's Equal and Less have no gradient.)
      const safe = tf.where(tf.greaterEqual(0, target), tf.onesLike(target), target);
      const xlogy = tf.where(tf.greaterEqual(target, 0), tf.mul(target, tf.log(safe)), tf.fill(target.shape, NaN));
      loss = tf.sub(xlogy, tf.mul(target, input));
    }
    if (reduction === 'none') return loss;
    if (reduction === 'mean') return tf.mean(loss);
    const total = tf.sum(loss);
    return reduction === 'batchmean' && input.rank > 0 ? tf.div(total, input.shape[0]) : total;
  });
}
