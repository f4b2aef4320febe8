import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { Generator, useBackend } from '@descent/core';
import { describe, expect, it } from 'vitest';
// In the integration workspace: @descent/optim's own tests use the wasm adapter, so neither package's tests may import the other.
import { AdamW } from '@descent/optim';
import { wasmAdapter } from '@descent/backend-wasm';

/** Uniform values in [-1, 1) from a seeded Generator. */
function randomArray(size: number, seed: number): Float32Array {
  return new Generator(seed).fill(new Float32Array(size), (r) => r.uniform(-1, 1));
}

// The optimizer's wasm kernels write fresh tensors. Had one written a weight in
// place, XNNPACK would keep using the packed copy it caches per tensor id, and
// the wasm losses would drift away from cpu's within a few steps.

const STEPS = 25;
const x = randomArray(64 * 16, 21);
const w1 = randomArray(16 * 32, 22).map((v) => v * 0.4);
const w2 = randomArray(32 * 4, 23).map((v) => v * 0.4);
const mix = randomArray(16 * 4, 24);

async function on(backend: 'cpu' | 'wasm'): Promise<void> {
  if (backend === 'wasm') await useBackend(wasmAdapter);
  else await useBackend('cpu');
}

function labels(): tf.Tensor2D {
  return tf.tidy(() => tf.cast(tf.oneHot(tf.argMax(tf.matMul(tf.tensor2d(x, [64, 16]), tf.tensor2d(mix, [16, 4])), 1), 4), 'float32') as tf.Tensor2D);
}

/** A two-layer MLP as a plain function, stepped with AdamW: losses, tensor counts, kernels that ran. */
async function trainFunction(backend: 'cpu' | 'wasm') {
  await on(backend);
  const tag = `${backend}_${Math.random().toString(36).slice(2)}`;
  const vars = [
    tf.variable(tf.tensor2d(w1, [16, 32]), true, `${tag}/w1`),
    tf.variable(tf.zeros([32]), true, `${tag}/b1`),
    tf.variable(tf.tensor2d(w2, [32, 4]), true, `${tag}/w2`),
    tf.variable(tf.zeros([4]), true, `${tag}/b2`),
  ];
  const xs = tf.tensor2d(x, [64, 16]);
  const ys = labels();
  const opt = new AdamW(vars, { lr: 0.01, weightDecay: 0.05 });
  const losses: number[] = [];
  const counts: number[] = [];
  const kernels = new Set<string>();
  for (let step = 0; step < STEPS; step++) {
    const profile = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => {
        // fused (bias + relu) and plain matmuls: both go through XNNPACK on wasm
        const h = tf.fused.matMul({ a: xs, b: vars[0] as tf.Tensor2D, bias: vars[1], activation: 'relu' });
        return tf.losses.softmaxCrossEntropy(ys, tf.add(tf.matMul(h, vars[2] as tf.Tensor2D), vars[3]));
      });
      opt.step(grads);
      tf.dispose(Object.values(grads));
      return value;
    });
    for (const k of profile.kernels) kernels.add(k.name);
    const loss = profile.result as tf.Tensor;
    losses.push((await loss.data())[0]);
    loss.dispose();
    counts.push(tf.memory().numTensors);
  }
  opt.dispose();
  tf.dispose([...vars, xs, ys]);
  return { losses, counts, kernels };
}

/** The same MLP as a tfjs-layers model compiled with AdamW: batch losses of model.fit. */
async function trainLayers(backend: 'cpu' | 'wasm') {
  await on(backend);
  const model = tfl.sequential({
    layers: [tfl.layers.dense({ units: 32, activation: 'relu', inputShape: [16] }), tfl.layers.dense({ units: 4, activation: 'softmax' })],
  });
  model.setWeights([tf.tensor2d(w1, [16, 32]), tf.zeros([32]), tf.tensor2d(w2, [32, 4]), tf.zeros([4])]);
  model.compile({ optimizer: new AdamW(undefined, { lr: 0.01 }), loss: 'categoricalCrossentropy' });
  const xs = tf.tensor2d(x, [64, 16]);
  const ys = labels();
  const losses: number[] = [];
  await model.fit(xs, ys, {
    epochs: 5,
    batchSize: 16,
    shuffle: false,
    verbose: 0,
    callbacks: { onBatchEnd: async (_b, logs) => void losses.push(logs!.loss as number) },
  });
  (model.optimizer as unknown as { dispose(): void }).dispose();
  model.dispose();
  tf.dispose([xs, ys]);
  return losses;
}

function expectSameLosses(wasm: number[], cpu: number[]): void {
  expect(wasm.length).toBe(cpu.length);
  for (let i = 0; i < cpu.length; i++) {
    // matmul sums differ by rounding between backends; a stale weight would differ by far more
    expect(Math.abs(wasm[i] - cpu[i]), `step ${i + 1}: wasm ${wasm[i]}, cpu ${cpu[i]}`).toBeLessThan(1e-4 * Math.abs(cpu[i]) + 1e-5);
  }
}

describe('training with @descent/optim AdamW on wasm', () => {
  it('a small MLP has the same loss as on cpu at every step, through the wasm AdamW kernel, leaking nothing', async () => {
    const cpu = await trainFunction('cpu');
    const wasm = await trainFunction('wasm');
    expect(wasm.kernels.has('DescentAdamStep')).toBe(true);
    expect(cpu.kernels.has('DescentAdamStep')).toBe(true);
    expect(wasm.losses[STEPS - 1]).toBeLessThan(wasm.losses[0] * 0.7);
    expectSameLosses(wasm.losses, cpu.losses);
    // Flat after warm-up (the first step creates the optimizer state).
    expect(new Set(wasm.counts.slice(1)).size).toBe(1);
  });

  it('a tfjs-layers model compiled with AdamW fits to the same batch losses on wasm as on cpu', async () => {
    const cpu = await trainLayers('cpu');
    const wasm = await trainLayers('wasm');
    expect(wasm.length).toBe(20);
    expect(wasm[wasm.length - 1]).toBeLessThan(wasm[0]);
    expectSameLosses(wasm, cpu);
  });
});
