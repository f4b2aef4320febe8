import * as tf from '@tensorflow/tfjs-core';
import { splitBatch, needTarget, type EvalLoader } from './batch.js';
import type { TrainableModel } from './model.js';
import type { LossFn } from './train-step.js';

/** A metric of one batch: `(logits, target) => scalar`, averaged over samples. */
export type MetricFn = (logits: tf.Tensor, target: tf.Tensor) => tf.Tensor;

/** One misclassified sample, for the run directory's image grid. */
export interface Misclassified {
  /** The input's values (one sample). */
  pixels: Float32Array;
  shape: number[];
  predicted: number;
  label: number;
}

/** What an evaluation computed over a whole loader. */
export interface EvaluationResult {
  /** The mean loss per sample (each batch's mean loss weighted by its size). */
  loss: number;
  /** Classification only: the fraction of samples whose argmax matches the target. */
  accuracy?: number;
  /** Classification only: `confusionMatrix[true][predicted]` counts. */
  confusionMatrix?: number[][];
  /** Samples evaluated. */
  samples: number;
  /** The `metrics` option's values, by name. */
  metrics: Record<string, number>;
  /** Up to `collectMisclassified` misclassified samples. */
  misclassified?: Misclassified[];
}

export interface EvaluateOptions {
  loss: LossFn;
  metrics?: Record<string, MetricFn>;
  /** Keep up to this many misclassified samples (reads each batch back). */
  collectMisclassified?: number;
}

/**
 * Class indices of a classification target: int32 indices (the logits' shape
 * without the class axis), or probabilities / one-hot (the logits' shape).
 * Null when this is not classification.
 */
function targetClasses(logits: tf.Tensor, y: tf.Tensor): tf.Tensor | null {
  if (logits.rank < 1 || logits.shape[logits.rank - 1] < 2) return null;
  if (y.rank === logits.rank - 1 && y.dtype === 'int32' && tf.util.arraysEqual(y.shape, logits.shape.slice(0, -1))) return y;
  if (tf.util.arraysEqual(y.shape, logits.shape) && y.dtype === 'float32') return tf.argMax(y, -1);
  return null;
}

/** The model on every batch, in eval mode (the caller sets the mode); one device read at the end. */
export async function evaluateModel(model: TrainableModel, loader: EvalLoader, options: EvaluateOptions): Promise<EvaluationResult> {
  const metricNames = Object.keys(options.metrics ?? {});
  let lossSum: tf.Tensor = tf.scalar(0);
  let metricSums: tf.Tensor[] = metricNames.map(() => tf.scalar(0));
  let confusion: tf.Tensor | null = null;
  let classification: boolean | null = null;
  let samples = 0;
  const wanted = options.collectMisclassified ?? 0;
  const misclassified: Misclassified[] = [];
  try {
    for await (const batch of loader as AsyncIterable<unknown>) {
      const { x, y: maybeY } = splitBatch(batch);
      const y = needTarget(maybeY);
      const n = x.shape[0] ?? 1;
      samples += n;
      const out = tf.tidy((): { nextLoss: tf.Tensor; nextMetrics: tf.Tensor[]; nextConfusion?: tf.Tensor; preds?: tf.Tensor; flatLabels?: tf.Tensor } => {
        const logits = model.forward(x, false);
        const loss = options.loss(logits, y);
        const nextLoss = tf.add(lossSum, tf.mul(loss, n));
        const nextMetrics = metricNames.map((name, i) => tf.add(metricSums[i], tf.mul(options.metrics![name](logits, y), n)));
        const labels = targetClasses(logits, y);
        let nextConfusion: tf.Tensor | undefined;
        let preds: tf.Tensor | undefined;
        let flatLabels: tf.Tensor | undefined;
        if (labels) {
          const C = logits.shape[logits.rank - 1];
          preds = tf.reshape(tf.argMax(logits, -1), [-1]);
          flatLabels = tf.reshape(tf.cast(labels, 'int32'), [-1]);
          const counts = tf.matMul(tf.cast(tf.oneHot(flatLabels, C), 'float32'), tf.cast(tf.oneHot(preds, C), 'float32'), true, false);
          nextConfusion = confusion ? tf.add(confusion, counts) : counts;
        }
        return { nextLoss, nextMetrics, nextConfusion, preds, flatLabels };
      });
      tf.dispose([lossSum, ...metricSums]);
      lossSum = out.nextLoss;
      metricSums = out.nextMetrics;
      if (classification === null) classification = out.nextConfusion !== undefined;
      if (out.nextConfusion) {
        confusion?.dispose();
        confusion = out.nextConfusion;
      }
      if (out.preds && out.flatLabels && misclassified.length < wanted && out.preds.shape[0] === n) {
        const [p, l, pixels] = await Promise.all([out.preds.data(), out.flatLabels.data(), x.data()]);
        const size = x.size / n;
        for (let i = 0; i < n && misclassified.length < wanted; i++) {
          if (p[i] !== l[i]) misclassified.push({ pixels: Float32Array.from(pixels.subarray(i * size, (i + 1) * size) as ArrayLike<number>), shape: x.shape.slice(1), predicted: p[i], label: l[i] });
        }
      }
      tf.dispose([out.preds, out.flatLabels].filter((t): t is tf.Tensor => t !== undefined));
    }
    const [lossValue, ...metricValues] = await Promise.all([lossSum, ...metricSums].map(async (t) => (await t.data())[0]));
    const result: EvaluationResult = {
      loss: samples ? lossValue / samples : NaN,
      samples,
      metrics: Object.fromEntries(metricNames.map((name, i) => [name, samples ? metricValues[i] / samples : NaN])),
    };
    if (confusion) {
      const C = confusion.shape[0];
      const values = await confusion.data();
      const matrix = Array.from({ length: C }, (_, r) => Array.from({ length: C }, (_, c) => Math.round(values[r * C + c])));
      let correct = 0;
      let total = 0;
      for (let r = 0; r < C; r++) for (let c = 0; c < C; c++) (total += matrix[r][c]), r === c && (correct += matrix[r][c]);
      result.confusionMatrix = matrix;
      result.accuracy = total ? correct / total : NaN;
    }
    if (wanted > 0) result.misclassified = misclassified;
    return result;
  } finally {
    tf.dispose([lossSum, ...metricSums]);
    confusion?.dispose();
  }
}

/** `eval_`-prefixed log entries of a result, HF's naming. */
export function evaluationLogs(result: EvaluationResult, prefix = 'eval_'): Record<string, number> {
  const logs: Record<string, number> = { [`${prefix}loss`]: result.loss };
  if (result.accuracy !== undefined) logs[`${prefix}accuracy`] = result.accuracy;
  for (const [name, v] of Object.entries(result.metrics)) logs[`${prefix}${name}`] = v;
  return logs;
}
