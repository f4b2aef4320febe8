// Trains one layer case for one step on the active backend and reads back
// everything the comparison needs. Browser-safe (the Chromium page uses it).
import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@descent/core';
import { AdamW, trainableVariables } from '@descent/optim';
import { initWeights, type LayerCase } from './cases.js';

export interface CaseResult {
  backend: string;
  loss: number;
  /** Gradients of the first step, in `model.trainableWeights` order. */
  grads: Float32Array[];
  /** Every weight (trainable or not: batch norm's moving statistics too) after the first step, in `model.weights` order. */
  weights: Float32Array[];
  gradNames: string[];
  weightNames: string[];
  /** Trainable weights that `tf.variableGrads` gave no gradient. */
  missingGrads: string[];
  /** `tf.memory().numTensors` after the second step minus before it. */
  leaked: number;
  ms: number;
}

/**
 * Adam's first step is lr·g/(|g| + eps) (its bias corrections cancel), which is lr·sign(g) when |g| ≫ eps:
 * with torch's eps 1e-8 a gradient that is zero up to rounding would move its weight by ±lr depending on the
 * backend's summation order. eps = lr = 1e-3 keeps d(update)/dg ≤ lr/eps = 1, so weights differ by no more
 * than gradients do.
 */
export const OPTIMIZER = { lr: 1e-3, eps: 1e-3, weightDecay: 1e-2 } as const;

function lossOf(c: LayerCase, pred: tf.Tensor, y: tf.Tensor): tf.Scalar {
  const batch = pred.shape[0] ?? 1;
  if (c.loss === 'mse') return tf.div(tf.mul(0.5, tf.sum(tf.square(tf.sub(pred, y)))), batch);
  return tf.div(tf.neg(tf.sum(tf.mul(y, tf.log(pred)))), batch);
}

async function read(t: tf.Tensor): Promise<Float32Array> {
  // data(), not dataSync(): webgpu cannot read synchronously in Node.
  return Float32Array.from((await t.data()) as Float32Array);
}

/** Builds the case (weights from its seed), takes two AdamW steps, and returns the first step's numbers. */
export async function runCase(c: LayerCase): Promise<CaseResult> {
  const start = performance.now();
  const g = new Generator(c.seed);
  const model = c.build();
  initWeights(model, g);
  const { x, y } = c.data(g);
  const vars = trainableVariables(model);
  const optimizer = new AdamW(vars, { ...OPTIMIZER });
  try {
    const step = () => {
      const { value, grads } = tf.variableGrads(() => lossOf(c, model.apply(x, { training: true }) as tf.Tensor, y), vars);
      optimizer.step(grads);
      return { value, grads };
    };

    const first = step();
    const names = model.trainableWeights.map((w) => w.originalName);
    const has = vars.map((v) => first.grads[v.name] != null);
    const loss = (await read(first.value))[0];
    const grads = await Promise.all(vars.filter((_, i) => has[i]).map((v) => read(first.grads[v.name])));
    tf.dispose([first.value, ...Object.values(first.grads)]);
    const weights = await Promise.all(model.weights.map((w) => read(w.read())));

    // The second step finds the optimizer state and every tfjs-layers cache in place: nothing may be left over.
    const before = tf.memory().numTensors;
    const second = step();
    await read(second.value);
    tf.dispose([second.value, ...Object.values(second.grads)]);
    const leaked = tf.memory().numTensors - before;

    return {
      backend: tf.getBackend(),
      loss,
      grads,
      weights,
      gradNames: names.filter((_, i) => has[i]),
      weightNames: model.weights.map((w) => w.originalName),
      missingGrads: names.filter((_, i) => !has[i]),
      leaked,
      ms: performance.now() - start,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
    tf.dispose([y, ...(Array.isArray(x) ? x : [x])]);
  }
}
