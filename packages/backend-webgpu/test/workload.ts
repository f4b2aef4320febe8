// Matmuls (plain, transposed, batched) and one training step of a small MLP,
// on fixed inputs, run on whichever tfjs backend is active and read back as
// plain arrays so that backends can be compared number for number.
import * as tf from '@tensorflow/tfjs-core';

/** Deterministic values in [-scale, scale] from an integer hash (tf.random differs between backends). */
export function fixedValues(size: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    let h = Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(seed + 1, 0x85ebca77);
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
    h ^= h >>> 13;
    out[i] = (((h >>> 0) % 2001) / 1000 - 1) * scale;
  }
  return out;
}

export function fixed(shape: number[], seed: number, scale = 1): tf.Tensor {
  return tf.tensor(fixedValues(shape.reduce((a, b) => a * b, 1), seed, scale), shape, 'float32');
}

export type Result = Record<string, { shape: number[]; values: Float32Array }>;

// Odd sizes exercise the shaders' partial tiles.
const M = 45;
const K = 67;
const N = 39;

export async function matmuls(): Promise<Result> {
  const out = tf.tidy(() => {
    const a = fixed([M, K], 1);
    const b = fixed([K, N], 2);
    const aT = fixed([K, M], 3);
    const bT = fixed([N, K], 4);
    return {
      ab: tf.matMul(a, b),
      abT: tf.matMul(a, bT, false, true),
      aTb: tf.matMul(aT, b, true, false),
      aTbT: tf.matMul(aT, bT, true, true),
      batched: tf.matMul(fixed([3, 21, 33], 5), fixed([3, 25, 33], 6), false, true),
    };
  });
  return read(out);
}

export const MLP = { batch: 32, in: 40, hidden: 64, classes: 10 };

export interface MlpParams {
  w1: tf.Tensor;
  b1: tf.Tensor;
  w2: tf.Tensor;
  b2: tf.Tensor;
}

export function mlpInputs(): { x: tf.Tensor; labels: tf.Tensor } {
  return tf.tidy(() => {
    const classes = tf.tensor1d(Array.from({ length: MLP.batch }, (_, i) => (i * 7) % MLP.classes), 'int32');
    return { x: fixed([MLP.batch, MLP.in], 10), labels: tf.cast(tf.oneHot(classes, MLP.classes), 'float32') };
  });
}

export function mlpParams(): MlpParams {
  return {
    w1: fixed([MLP.in, MLP.hidden], 11, 0.3),
    b1: fixed([MLP.hidden], 12, 0.1),
    w2: fixed([MLP.hidden, MLP.classes], 13, 0.3),
    b2: fixed([MLP.classes], 14, 0.1),
  };
}

/** Softmax cross-entropy of a 2-layer ReLU MLP. */
export function mlpLoss(x: tf.Tensor, labels: tf.Tensor, p: MlpParams): tf.Scalar {
  const hidden = tf.relu(tf.add(tf.matMul(x, p.w1), p.b1));
  const logits = tf.add(tf.matMul(hidden, p.w2), p.b2);
  return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
}

/** The loss and the gradients of the MLP with respect to its parameters and to x (tf.grad). */
export async function mlpGradients(): Promise<Result> {
  const out = tf.tidy(() => {
    const { x, labels } = mlpInputs();
    const p = mlpParams();
    const { value, grads } = tf.valueAndGrads((w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor) =>
      mlpLoss(x, labels, { w1, b1, w2, b2 }),
    )([p.w1, p.b1, p.w2, p.b2]);
    const dx = tf.grad((xIn: tf.Tensor) => mlpLoss(xIn, labels, p))(x);
    return { loss: value, dw1: grads[0], db1: grads[1], dw2: grads[2], db2: grads[3], dx };
  });
  return read(out);
}

async function read(tensors: Record<string, tf.Tensor>): Promise<Result> {
  const result: Result = {};
  for (const [name, t] of Object.entries(tensors)) {
    // data(), not dataSync(): in Node, tfjs-webgpu's synchronous read needs OffscreenCanvas.
    result[name] = { shape: t.shape.slice(), values: (await t.data()) as Float32Array };
    t.dispose();
  }
  return result;
}

/** The worst |got - want| / (atol + rtol |want|) over every value; <= 1 means within tolerance. */
export function worstError(got: Result, want: Result, rtol: number, atol: number): { name: string; ratio: number } {
  let worst = { name: '', ratio: 0 };
  for (const [name, w] of Object.entries(want)) {
    const g = got[name];
    if (!g) throw new Error(`result ${name} is missing`);
    if (g.shape.join('x') !== w.shape.join('x')) throw new Error(`${name}: shape ${g.shape} != ${w.shape}`);
    for (let i = 0; i < w.values.length; i++) {
      const ratio = Math.abs(g.values[i] - w.values[i]) / (atol + rtol * Math.abs(w.values[i]));
      if (Number.isNaN(ratio) || ratio > worst.ratio) worst = { name: `${name}[${i}] got ${g.values[i]} want ${w.values[i]}`, ratio: Number.isNaN(ratio) ? Infinity : ratio };
    }
  }
  return worst;
}
