import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { mnistTrain } from './mnist.js';
import { activate, expectClose, on, randomArray, type Engine } from './util.js';

describe('training on Descent wasm', () => {
  it('tf.grad of a small MLP equals cpu', async () => {
    const x = randomArray(32 * 20, 1);
    const w1 = randomArray(20 * 16, 2);
    const w2 = randomArray(16 * 5, 3);
    const b1 = randomArray(16, 4);
    const grads = () => {
      const xs = tf.tensor2d(x, [32, 20]);
      const b = tf.tensor1d(b1);
      // Unfused and fused layers: both matmul kernels and their transposed backward products.
      const f = (p1: tf.Tensor, p2: tf.Tensor) => {
        const h = tf.fused.matMul({ a: xs, b: p1 as tf.Tensor2D, bias: b, activation: 'relu' });
        return tf.mean(tf.square(tf.tanh(tf.matMul(h, p2))));
      };
      const [g1, g2] = tf.grads(f)([tf.tensor2d(w1, [20, 16]), tf.tensor2d(w2, [16, 5])]);
      const g3 = tf.grad((xIn: tf.Tensor) => tf.sum(tf.matMul(tf.matMul(xIn, tf.tensor2d(w1, [20, 16])), tf.tensor2d(w2, [16, 5]))))(xs);
      return tf.concat([g1, g2, g3].map((g) => tf.reshape(g, [-1])));
    };
    expectClose(await on('descent', grads), await on('cpu', grads), 'gradients', 1e-4, 1e-5);
  });

  const SAMPLES = 320;
  const BATCH = 32;
  const data = mnistTrain(SAMPLES);
  const hidden = randomArray(784 * 64, 7).map((v) => v * 0.08);
  const out = randomArray(64 * 10, 8).map((v) => v * 0.3);

  /** A short real model.fit: losses per batch and tensor counts after each batch. */
  async function fit(engine: Engine) {
    await activate(engine);
    const model = tfl.sequential({
      layers: [tfl.layers.dense({ units: 64, activation: 'relu', inputShape: [784] }), tfl.layers.dense({ units: 10, activation: 'softmax' })],
    });
    model.setWeights([tf.tensor2d(hidden, [784, 64]), tf.zeros([64]), tf.tensor2d(out, [64, 10]), tf.zeros([10])]);
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
    const xs = tf.tensor2d(data.x, [SAMPLES, 784]);
    const ys = tf.tensor2d(data.y, [SAMPLES, 10]);
    const losses: number[] = [];
    const counts: number[] = [];
    await model.fit(xs, ys, {
      batchSize: BATCH,
      epochs: 3,
      shuffle: false,
      verbose: 0,
      callbacks: {
        onBatchEnd: async (_batch, logs) => {
          losses.push(logs!.loss as number);
          counts.push(tf.memory().numTensors);
        },
      },
    });
    tf.dispose([xs, ys]);
    model.dispose();
    return { losses, counts };
  }

  it('model.fit on MNIST gives the losses of stock tfjs-wasm, with a flat tensor count', async () => {
    const stock = await fit('stock');
    const descent = await fit('descent');
    expect(descent.losses).toHaveLength((SAMPLES / BATCH) * 3);
    for (let i = 0; i < stock.losses.length; i++) {
      expect(Math.abs(descent.losses[i] - stock.losses[i]), `loss of batch ${i}`).toBeLessThan(1e-4 * Math.max(1, stock.losses[i]));
    }
    // It learns: the last epoch's loss is well below the first batch's.
    expect(descent.losses.at(-1)!).toBeLessThan(descent.losses[0] * 0.7);
    // Within an epoch every step ends with as many tensors as the one before
    // (tfjs-layers itself keeps one more per epoch, on stock wasm too).
    const perEpoch = SAMPLES / BATCH;
    for (let e = 0; e < 3; e++) expect(new Set(descent.counts.slice(e * perEpoch, (e + 1) * perEpoch)).size).toBe(1);
    expect(descent.counts.map((c) => c - descent.counts[0])).toEqual(stock.counts.map((c) => c - stock.counts[0]));
  });

  it('a manual training loop keeps wasm memory flat', async () => {
    await activate('descent');
    const w = tf.variable(tf.tensor2d(hidden, [784, 64]));
    const v = tf.variable(tf.tensor2d(out, [64, 10]));
    const xs = tf.tensor2d(data.x.subarray(0, 64 * 784), [64, 784]);
    const ys = tf.tensor2d(data.y.subarray(0, 640), [64, 10]);
    const opt = tf.train.sgd(0.05);
    const memory: tf.MemoryInfo[] = [];
    for (let step = 0; step < 6; step++) {
      tf.dispose(opt.minimize(() => tf.losses.softmaxCrossEntropy(ys, tf.matMul(tf.relu(tf.matMul(xs, w)), v)) as tf.Scalar, true) ?? undefined);
      memory.push(tf.memory());
    }
    for (const m of memory.slice(2)) {
      expect(m.numTensors).toBe(memory[1].numTensors);
      expect(m.numDataBuffers).toBe(memory[1].numDataBuffers);
      expect(m.numBytes).toBe(memory[1].numBytes);
    }
    tf.dispose([w, v, xs, ys]);
    opt.dispose();
  });
});
