// Trains a 784-128-10 MLP on real MNIST on Descent's default backend (wasm, or cpu
// with a notice), printing the loss as it falls.
import * as tf from '@tensorflow/tfjs-core';
import { Generator, useBackend } from '@descent/core';
import { loadMnist } from './mnist-raw.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const epochs = Number(args.epochs ?? 3);
const trainSize = Number(args.samples ?? 12_000);
const batchSize = 64;
const lr = 0.1;

const adapter = await useBackend(args.backend);
console.log(`backend: ${adapter.name} (${JSON.stringify(adapter.capabilities.info)})`);

const train = loadMnist('train');
const test = loadMnist('test');
const rng = new Generator(0);

function batch(set, indices) {
  const x = new Float32Array(indices.length * 784);
  const y = new Int32Array(indices.length);
  indices.forEach((idx, i) => {
    for (let p = 0; p < 784; p++) x[i * 784 + p] = (set.images[idx * 784 + p] / 255 - 0.1307) / 0.3081;
    y[i] = set.labels[idx];
  });
  return tf.tidy(() => ({ x: tf.tensor2d(x, [indices.length, 784]), y: tf.oneHot(tf.tensor1d(y, 'int32'), 10) }));
}

function init(name, shape) {
  // Kaiming-uniform, as torch.nn.Linear initializes its weight.
  const bound = 1 / Math.sqrt(shape[0]);
  const data = new Float32Array(shape[0] * shape[1]);
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-bound, bound);
  return tf.variable(tf.tensor2d(data, shape), true, name);
}
const params = {
  w1: init('w1', [784, 128]),
  b1: tf.variable(tf.zeros([128]), true, 'b1'),
  w2: init('w2', [128, 10]),
  b2: tf.variable(tf.zeros([10]), true, 'b2'),
};
const forward = (x) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, params.w1), params.b1)), params.w2), params.b2);
const lossFn = (x, y) => tf.losses.softmaxCrossEntropy(y, forward(x));

const steps = Math.floor(trainSize / batchSize);
const t0 = performance.now();
for (let epoch = 1; epoch <= epochs; epoch++) {
  const order = rng.permutation(trainSize);
  let running = 0;
  for (let s = 0; s < steps; s++) {
    const { x, y } = batch(train, order.subarray(s * batchSize, (s + 1) * batchSize));
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => lossFn(x, y));
      for (const [name, g] of Object.entries(grads)) params[name].assign(tf.sub(params[name], tf.mul(g, lr)));
      return value;
    });
    running += (await loss.data())[0];
    tf.dispose([x, y, loss]);
    if ((s + 1) % 50 === 0) {
      console.log(`epoch ${epoch} step ${String(s + 1).padStart(3)}/${steps}  loss ${(running / 50).toFixed(4)}`);
      running = 0;
    }
  }
  const { x, y } = batch(test, Array.from({ length: 2000 }, (_, i) => i));
  const acc = tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(forward(x), 1), tf.argMax(y, 1)), 'float32')));
  console.log(`epoch ${epoch} done: test accuracy ${((await acc.data())[0] * 100).toFixed(1)}% (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  tf.dispose([x, y, acc]);
}
console.log(`tensors alive at the end: ${tf.memory().numTensors}`);
