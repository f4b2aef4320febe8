// Trains a 784-128-10 MLP on real MNIST on Descent's default backend (wasm, or cpu
// with a notice) with AdamW, printing the loss as it falls.
//   node train.mjs [--epochs=3] [--samples=60000] [--backend=wasm|cpu|webgpu] [--lr=1e-3]
import * as tf from '@tensorflow/tfjs-core';
import { Generator, useBackend } from '@descent/core';
import { DataLoader, Subset, flatten, normalize, oneHot, toFloat } from '@descent/data';
import { MNIST } from '@descent/datasets-mnist';
import { AdamW } from '@descent/optim';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const epochs = Number(args.epochs ?? 3);
const samples = Number(args.samples ?? 60_000);

const adapter = await useBackend(args.backend);
console.log(`backend: ${adapter.name} (${JSON.stringify(adapter.capabilities.info)})`);

const full = new MNIST({ split: 'train' });
const train = samples < full.length ? new Subset(full, Array.from({ length: samples }, (_, i) => i)) : full;
const test = new MNIST({ split: 'test' });
const options = { transform: [toFloat(), normalize(0.1307, 0.3081), flatten()], targetTransform: oneHot(10) };
const loader = new DataLoader(train, { batchSize: 64, shuffle: true, seed: 0, ...options });
const testLoader = new DataLoader(test, { batchSize: 1000, ...options });

// torch.nn.Linear's initialization: uniform in ±1/sqrt(fan_in).
const rng = new Generator(0);
function linear(name, fanIn, fanOut) {
  const bound = 1 / Math.sqrt(fanIn);
  const w = rng.fill(new Float32Array(fanIn * fanOut), (g) => g.uniform(-bound, bound));
  const b = rng.fill(new Float32Array(fanOut), (g) => g.uniform(-bound, bound));
  return [tf.variable(tf.tensor2d(w, [fanIn, fanOut]), true, `${name}.weight`), tf.variable(tf.tensor1d(b), true, `${name}.bias`)];
}
const [w1, b1] = linear('fc1', 784, 128);
const [w2, b2] = linear('fc2', 128, 10);
const forward = (x) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2);
const optimizer = new AdamW(
  [
    { params: [w1, w2], weightDecay: 0.01 },
    { params: [b1, b2], weightDecay: 0 },
  ],
  { lr: Number(args.lr ?? 1e-3) },
);

const t0 = performance.now();
let tensorsAfterFirstEpoch;
for (let epoch = 1; epoch <= epochs; epoch++) {
  let running = 0;
  let step = 0;
  for await (const [x, y] of loader) {
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, forward(x)), true);
    running += (await loss.data())[0];
    loss.dispose();
    if (++step % 100 === 0) {
      console.log(`epoch ${epoch} step ${String(step).padStart(3)}/${loader.length}  loss ${(running / 100).toFixed(4)}`);
      running = 0;
    }
  }
  let correct = 0;
  for await (const [x, y] of testLoader) {
    const c = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(forward(x), 1), tf.argMax(y, 1)), 'float32')));
    correct += (await c.data())[0];
    c.dispose();
  }
  console.log(`epoch ${epoch} done: test accuracy ${((correct / test.length) * 100).toFixed(2)}% (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  if (epoch === 1) tensorsAfterFirstEpoch = tf.memory().numTensors;
}
console.log(`tensors alive: ${tensorsAfterFirstEpoch} after epoch 1, ${tf.memory().numTensors} at the end`);
