// Parity of the GPU backend against tfjs's cpu backend on the same inputs:
// matmuls (transposes, batches), the gradients of a dense and a conv net, and
// the optimizers (every fused kernel against its fallback on the device, and
// Adam steps on both backends from one start).
import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@descent/core';
import { checkKernelAgainstFallback } from '@descent/core/testing';
import { Adam } from '@descent/optim';
import { kernelCases } from '@descent/optim/testing';

/** Normal(0, scale) floats from a seeded generator. */
export function randn(rng, n, scale = 1) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * scale;
  return a;
}

/** `max |a - b| / max(max |b|, tiny)`: error relative to the reference's magnitude (a matmul's rounding scales with it). */
export function relError(a, b) {
  let err = 0;
  let mag = 0;
  for (let i = 0; i < b.length; i++) {
    if (Number.isNaN(a[i]) !== Number.isNaN(b[i])) return Infinity;
    err = Math.max(err, Math.abs(a[i] - b[i]));
    mag = Math.max(mag, Math.abs(b[i]));
  }
  return err / Math.max(mag, 1e-30);
}

/** Runs `fn` on `backend` and reads every output back. */
export async function on(backend, fn) {
  await tf.setBackend(backend);
  const out = tf.tidy(fn);
  const list = Array.isArray(out) ? out : [out];
  const values = await Promise.all(list.map((t) => t.data()));
  tf.dispose(list);
  return values;
}

export async function matmulParity(gpu, { quick }) {
  const rng = new Generator(1);
  const cases = [
    { a: [64, 784], b: [784, 256] },
    { a: [256, 64], b: [256, 784], transposeA: true },
    { a: [64, 256], b: [784, 256], transposeB: true },
    { a: [8, 128, 64], b: [8, 64, 32] },
    { a: [1, 257, 129], b: [4, 129, 65] },
    ...(quick ? [] : [{ a: [1024, 1024], b: [1024, 1024] }]),
  ];
  const rows = [];
  for (const c of cases) {
    const a = randn(rng, c.a.reduce((x, y) => x * y));
    const b = randn(rng, c.b.reduce((x, y) => x * y));
    const f = () => tf.matMul(tf.tensor(a, c.a), tf.tensor(b, c.b), c.transposeA, c.transposeB);
    const [[ref], [got]] = [await on('cpu', f), await on(gpu, f)];
    rows.push({ shape: `${c.a.join('×')}${c.transposeA ? 'ᵀ' : ''} · ${c.b.join('×')}${c.transposeB ? 'ᵀ' : ''}`, relError: relError(got, ref) });
  }
  const tolerance = 1e-5;
  return { tolerance, rows, pass: rows.every((r) => r.relError <= tolerance) };
}

/** Matmul throughput on the device: n×n·n×n, the 1×1 corner read back to wait. */
export async function matmulSpeed(gpu, n, timeMs) {
  await tf.setBackend(gpu);
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  const ms = await timeMs(async () => {
    const c = tf.tidy(() => tf.slice(tf.matMul(a, b), [0, 0], [1, 1]));
    await c.data();
    c.dispose();
  }, { warmup: 2, runs: 5, blocks: 2 });
  tf.dispose([a, b]);
  return { n, ms, gflops: (2 * n ** 3) / (ms * 1e6) };
}

/** The loss gradients of a 784-256-10 MLP and a small conv net, on both backends from the same weights and batch. */
export async function gradientParity(gpu) {
  const rng = new Generator(2);
  const batch = 32;
  const x = randn(rng, batch * 784);
  const labels = Int32Array.from({ length: batch }, (_, i) => i % 10);
  const mlp = { w1: [784, 256], b1: [256], w2: [256, 10], b2: [10] };
  const conv = { k: [3, 3, 1, 8], cb: [8], w: [13 * 13 * 8, 10], b: [10] };
  const init = (spec) => Object.fromEntries(Object.entries(spec).map(([k, s]) => [k, randn(rng, s.reduce((p, q) => p * q), 0.05)]));
  const nets = [
    {
      name: 'MLP 784-256-10',
      spec: mlp,
      values: init(mlp),
      forward: (v, xs) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(xs, v.w1), v.b1)), v.w2), v.b2),
      input: [batch, 784],
    },
    {
      name: 'Conv2d(1,8,3) ReLU MaxPool2d(2) Linear',
      spec: conv,
      values: init(conv),
      forward: (v, xs) => {
        const h = tf.maxPool(tf.relu(tf.add(tf.conv2d(xs, v.k, 1, 'valid'), v.cb)), 2, 2, 'valid');
        return tf.add(tf.matMul(tf.reshape(h, [xs.shape[0], -1]), v.w), v.b);
      },
      input: [batch, 28, 28, 1],
    },
  ];
  const rows = [];
  for (const net of nets) {
    const run = () => {
      const vars = Object.fromEntries(Object.entries(net.spec).map(([k, s]) => [k, tf.tensor(net.values[k], s)]));
      const xs = tf.tensor(x, net.input);
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
      const names = Object.keys(net.spec);
      const g = tf.grads((...ts) => tf.losses.softmaxCrossEntropy(y, net.forward(Object.fromEntries(names.map((n, i) => [n, ts[i]])), xs)));
      return g(names.map((n) => vars[n]));
    };
    const ref = await on('cpu', run);
    const got = await on(gpu, run);
    Object.keys(net.spec).forEach((k, i) => rows.push({ net: net.name, tensor: k, relError: relError(got[i], ref[i]) }));
  }
  const tolerance = 1e-4;
  return { tolerance, rows, pass: rows.every((r) => r.relError <= tolerance) };
}

/** Every optim fused op's kernel against its fallback on the device, and 20 Adam steps on the device against cpu. */
export async function optimizerParity(gpu, { quick }) {
  await tf.setBackend(gpu);
  const kernels = [];
  for (const { op, generate } of kernelCases()) {
    if (!op.hasKernel(gpu)) {
      kernels.push({ op: op.name, kernel: false });
      continue;
    }
    const r = await checkKernelAgainstFallback(op, { backend: gpu, generate, runs: quick ? 8 : 25 });
    kernels.push({ op: op.name, kernel: true, maxRelError: r.maxRelError, mismatches: r.mismatches.length, mutatedInputs: r.mutatedInputs.length });
  }
  const rng = new Generator(3);
  const n = 100_003;
  const p0 = randn(rng, n);
  const grads = Array.from({ length: 20 }, () => randn(rng, n));
  const adam = async (backend) => {
    await tf.setBackend(backend);
    const p = tf.variable(tf.tensor1d(p0), true, `adam-parity-${backend}`);
    const opt = new Adam([p], { lr: 1e-3, weightDecay: 0.01 });
    for (const g of grads) {
      const gt = tf.tensor1d(g);
      opt.step({ [p.name]: gt });
      gt.dispose();
    }
    const out = await p.data();
    opt.dispose?.();
    p.dispose();
    return out;
  };
  const adamSteps = { steps: grads.length, params: n, relError: relError(await adam(gpu), await adam('cpu')) };
  const pass = kernels.every((k) => !k.kernel || (k.mismatches === 0 && k.mutatedInputs === 0)) && adamSteps.relError <= 1e-5;
  return { kernels, adamSteps, pass };
}
