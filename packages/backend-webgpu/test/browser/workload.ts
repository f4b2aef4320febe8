// The computation the browser test runs on each backend: matmuls (plain,
// transposed, batched) and the gradients of a small MLP, on fixed inputs.
// It is shared by the page (webgpu, wasm) and by Node (cpu), so that all
// three run exactly the same ops on exactly the same numbers.
import * as tf from '@tensorflow/tfjs-core';
// The same hash-based inputs as the Node suites (tf.random differs between backends).
import { fixed } from '../workload.js';

/** A tensor as plain data, so it survives the trip out of the page as JSON. */
export interface PlainTensor {
  shape: number[];
  values: number[];
}

export type WorkloadResult = Record<string, PlainTensor>;

// Odd sizes, so the GPU shaders' partial tiles are exercised too.
const M = 33;
const K = 47;
const N = 29;
const BATCH = 16;
const IN = 20;
const HIDDEN = 32;
const CLASSES = 10;

async function plain(t: tf.Tensor): Promise<PlainTensor> {
  // data() rather than dataSync(): WebGPU in a browser reads back asynchronously.
  return { shape: t.shape.slice(), values: Array.from(await t.data()) };
}

/** Runs the workload on the active tfjs backend and returns every result as plain data. */
export async function runWorkload(): Promise<WorkloadResult> {
  const outputs: Record<string, tf.Tensor> = tf.tidy(() => {
    const a = fixed([M, K], 1);
    const b = fixed([K, N], 2);
    const aT = fixed([K, M], 3);
    const bT = fixed([N, K], 4);
    const big1 = fixed([65, 130], 5);
    const big2 = fixed([67, 130], 6);
    const p = fixed([3, 9, 17], 7);
    const q = fixed([3, 5, 17], 8);

    const x = fixed([BATCH, IN], 10);
    const w1 = fixed([IN, HIDDEN], 11, 0.3);
    const b1 = fixed([HIDDEN], 12, 0.1);
    const w2 = fixed([HIDDEN, CLASSES], 13, 0.3);
    const b2 = fixed([CLASSES], 14, 0.1);
    const classes = tf.tensor1d(
      Array.from({ length: BATCH }, (_, i) => (i * 7) % CLASSES),
      'int32',
    );
    const labels = tf.cast(tf.oneHot(classes, CLASSES), 'float32');

    const logitsOf = (w1_: tf.Tensor, b1_: tf.Tensor, w2_: tf.Tensor, b2_: tf.Tensor): tf.Tensor =>
      tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1_), b1_)), w2_), b2_);
    const loss = (w1_: tf.Tensor, b1_: tf.Tensor, w2_: tf.Tensor, b2_: tf.Tensor): tf.Scalar =>
      tf.losses.softmaxCrossEntropy(labels, logitsOf(w1_, b1_, w2_, b2_)) as tf.Scalar;

    const { value, grads } = tf.valueAndGrads(loss)([w1, b1, w2, b2]);
    // tf.grad with respect to the input as well: it goes through the transposed matmuls.
    const dx = tf.grad((xIn: tf.Tensor) =>
      tf.losses.softmaxCrossEntropy(labels, tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(xIn, w1), b1)), w2), b2)) as tf.Scalar,
    )(x);

    return {
      matMul: tf.matMul(a, b),
      matMulTransposeA: tf.matMul(aT, b, true, false),
      matMulTransposeB: tf.matMul(a, bT, false, true),
      matMulTransposeBoth: tf.matMul(aT, bT, true, true),
      matMulLargeTransposeB: tf.matMul(big1, big2, false, true),
      batchMatMulTransposeB: tf.matMul(p, q, false, true),
      mlpLogits: logitsOf(w1, b1, w2, b2),
      mlpLoss: value,
      mlpGradW1: grads[0],
      mlpGradB1: grads[1],
      mlpGradW2: grads[2],
      mlpGradB2: grads[3],
      mlpGradX: dx,
    };
  });
  const result: WorkloadResult = {};
  try {
    for (const [name, t] of Object.entries(outputs)) result[name] = await plain(t);
  } finally {
    tf.dispose(Object.values(outputs));
  }
  return result;
}

export interface Mismatch {
  name: string;
  index: number;
  actual: number;
  expected: number;
}

/**
 * Compares two results like numpy.allclose: |actual - expected| <= atol + rtol * |expected|.
 * Returns every output's worst element that fails, and shape or key differences.
 */
export function compareResults(actual: WorkloadResult, expected: WorkloadResult, rtol: number, atol: number): string[] {
  const problems: string[] = [];
  const names = new Set([...Object.keys(actual), ...Object.keys(expected)]);
  for (const name of names) {
    const a = actual[name];
    const e = expected[name];
    if (!a || !e) {
      problems.push(`${name}: missing in ${a ? 'expected' : 'actual'}`);
      continue;
    }
    if (a.shape.join(',') !== e.shape.join(',') || a.values.length !== e.values.length) {
      problems.push(`${name}: shape [${a.shape}] vs expected [${e.shape}]`);
      continue;
    }
    let worst: Mismatch | undefined;
    let worstExcess = 0;
    let bad = 0;
    for (let i = 0; i < e.values.length; i++) {
      const av = a.values[i];
      const ev = e.values[i];
      const excess = Math.abs(av - ev) - (atol + rtol * Math.abs(ev));
      // NaN never passes a comparison, so test for it explicitly.
      if (Number.isNaN(av) !== Number.isNaN(ev) || excess > 0) {
        bad++;
        if (!worst || excess > worstExcess || Number.isNaN(excess)) {
          worst = { name, index: i, actual: av, expected: ev };
          worstExcess = excess;
        }
      }
    }
    if (worst) {
      problems.push(`${name}: ${bad}/${e.values.length} elements off, worst at [${worst.index}]: ${worst.actual} vs ${worst.expected}`);
    }
  }
  return problems;
}

/**
 * How close two results came: the largest |actual - expected| and the largest
 * share of the allclose tolerance atol + rtol * |expected| used (above 1 fails).
 */
export function closeness(actual: WorkloadResult, expected: WorkloadResult, rtol: number, atol: number): { maxAbs: number; toleranceUsed: number } {
  let maxAbs = 0;
  let toleranceUsed = 0;
  for (const [name, e] of Object.entries(expected)) {
    const a = actual[name];
    if (!a) continue;
    for (let i = 0; i < e.values.length; i++) {
      const diff = Math.abs(a.values[i] - e.values[i]);
      maxAbs = Math.max(maxAbs, diff);
      toleranceUsed = Math.max(toleranceUsed, diff / (atol + rtol * Math.abs(e.values[i])));
    }
  }
  return { maxAbs, toleranceUsed };
}
