// One training step of a LeNet-style MNIST CNN (NHWC: conv 32 3×3 → relu →
// maxpool 2 → conv 64 3×3 → relu → maxpool 2 → flatten → dense 128 relu →
// dense 10, softmax cross-entropy, @descent/optim's AdamW) at batch 64 and 256,
// written with plain tfjs-core ops and variables, on the Descent wasm adapter
// (default threads and `threads: 1`), stock tfjs-wasm, Descent cpu and Descent
// webgpu (lavapipe), against PyTorch CPU (tools/bench_torch_cnn.py: the same
// model in NCHW, torch.optim.AdamW, 2 threads, OpenBLAS). A second table times
// each convolution and pooling kernel of the step alone at batch 64.
//
// Each peer runs in its own child process, so kernel registrations never mix.
// A peer that fails (a kernel its backend does not register, a crash) gets its
// row with the error instead of a time. BENCH_QUICK=1 cuts every sampling to a
// couple of runs (a smoke test; the numbers mean little).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, median, sampleTimes, table, writeSection } from './_util.mjs';

const self = fileURLToPath(import.meta.url);
const root = join(dirname(self), '..', '..');
const OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-pthread';
const QUICK = process.env.BENCH_QUICK === '1';
const BATCHES = [64, 256];
const KERNEL_BATCH = 64;
const PEERS = ['wasm', 'wasm-nn', 'wasm1', 'wasm-stock', 'cpu', 'webgpu'];
const NAMES = {
  wasm: 'Descent wasm',
  'wasm-nn': 'Descent wasm, `@descent/nn` modules',
  wasm1: 'Descent wasm, `threads: 1`',
  'wasm-stock': 'stock tfjs-wasm',
  cpu: 'Descent cpu',
  webgpu: 'Descent webgpu (lavapipe)',
  torch: 'PyTorch CPU',
};

// The model's layers: [name, input NHWC, output channels] for the convs, [name, input NHWC] for the pools.
const CONVS = (n) => [
  ['conv1', [n, 28, 28, 1], 32],
  ['conv2', [n, 13, 13, 32], 64],
];
const POOLS = (n) => [
  ['pool1', [n, 26, 26, 32]],
  ['pool2', [n, 11, 11, 64]],
];
const convFlops = ([n, h, w, cin], cout) => 2 * n * (h - 2) * (w - 2) * 3 * 3 * cin * cout;

/** Median of one block of samples, and how many there were. */
async function sample(fn, options) {
  const times = await sampleTimes(fn, options);
  return { ms: median(times), runs: times.length };
}

/**
 * The fastest median of `blocks` samplings: a block another job on the machine disturbed does not count.
 * When the first two calls each take over `SLOW_MS`, the second is the only sample (tfjs-cpu's
 * convolution gradients take tens of seconds; a first webgpu step also compiles its shaders).
 */
const SLOW_MS = 5000;
async function best(fn, options, blocks) {
  if (QUICK) {
    options = { warmup: 1, minRuns: 2, maxRuns: 3, budgetMs: 0 };
    blocks = 1;
  }
  const timed = async () => {
    const t0 = performance.now();
    await fn();
    return performance.now() - t0;
  };
  if ((await timed()) > SLOW_MS) {
    const second = await timed();
    if (second > SLOW_MS) return { ms: second, runs: 1, blocks: [+second.toFixed(3)], single: true };
  }
  options = { ...options, warmup: Math.max(0, options.warmup - 1) };
  const all = [];
  for (let b = 0; b < blocks; b++) all.push(await sample(fn, b === 0 ? options : { ...options, warmup: 1 }));
  return { ms: Math.min(...all.map((r) => r.ms)), runs: all.reduce((a, r) => a + r.runs, 0), blocks: all.map((r) => +r.ms.toFixed(3)) };
}

const message = (err) => String(err?.message ?? err).split('\n')[0];

async function activate(tf, peer) {
  const { useBackend } = await import('@descent/core'); // also registers tfjs's gradients, which every peer needs
  if (peer === 'wasm-stock') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const { createRequire } = await import('node:module');
    wasm.setWasmPaths(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist/');
    if (!(await tf.setBackend('wasm'))) throw new Error('stock tfjs-wasm failed to start');
    return 'tfjs-backend-wasm 4.22 as shipped (single-threaded in Node)';
  }
  if (peer === 'wasm' || peer === 'wasm-nn' || peer === 'wasm1') {
    const { createWasmAdapter, wasmAdapter } = await import('@descent/backend-wasm');
    const adapter = peer === 'wasm1' ? createWasmAdapter({ threads: 1 }) : wasmAdapter;
    await useBackend(adapter);
    const { xnnpackThreads, optimThreads } = adapter.capabilities.info;
    return `kernel pool (GEMM, optimizer) threads ${optimThreads}, XNNPACK threads ${xnnpackThreads}`;
  }
  if (peer === 'webgpu') {
    const { webgpuAdapter } = await import('@descent/backend-webgpu');
    await useBackend(webgpuAdapter);
    return webgpuAdapter.capabilities.info?.description ?? '';
  }
  await useBackend('cpu');
  return "tfjs-backend-cpu 4.22's kernels, Descent's optimizer kernels";
}

async function measure(peer) {
  const tf = await import('@tensorflow/tfjs-core');
  const { AdamW } = await import('@descent/optim');
  let info;
  try {
    info = await activate(tf, peer);
  } catch (err) {
    return { peer, error: `backend did not start: ${message(err)}` };
  }
  const backend = tf.getBackend();
  const sync = peer !== 'webgpu'; // cpu and wasm kernels are synchronous; webgpu queues work
  const slow = peer === 'cpu' || peer === 'webgpu'; // tfjs-cpu's loops and lavapipe take 0.1–50 s a call here
  // webgpu: wait for a kernel by reading back one value of its output.
  const settle = async (t) => {
    if (!sync) {
      const one = tf.tidy(() => tf.slice(tf.reshape(t, [-1]), [0], [1]));
      await one.data();
      one.dispose();
    }
    t.dispose();
  };

  // ---------- training steps ----------
  const steps = [];
  for (const n of BATCHES) {
    const prev = steps.at(-1);
    if (prev?.single) {
      steps.push({ batch: n, skipped: `not run: one batch-${prev.batch} step took ${(prev.ms / 1000).toFixed(0)} s` });
      continue;
    }
    const made = [];
    const keep = (t) => (made.push(t), t);
    try {
      const init = (name, shape, fanIn, seed) => keep(tf.variable(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed), Math.sqrt(2 / fanIn)), true, `b${n}/${name}`));
      const zero = (name, shape) => keep(tf.variable(tf.zeros(shape), true, `b${n}/${name}`));
      const w1 = init('w1', [3, 3, 1, 32], 9, 1);
      const b1 = zero('b1', [32]);
      const w2 = init('w2', [3, 3, 32, 64], 9 * 32, 2);
      const b2 = zero('b2', [64]);
      const w3 = init('w3', [1600, 128], 1600, 3);
      const b3 = zero('b3', [128]);
      const w4 = init('w4', [128, 10], 128, 4);
      const b4 = zero('b4', [10]);
      const params = [w1, b1, w2, b2, w3, b3, w4, b4];
      const x = keep(tf.randomNormal([n, 28, 28, 1], 0, 1, 'float32', 5));
      const y = keep(tf.tidy(() => tf.cast(tf.oneHot(tf.randomUniform([n], 0, 10, 'int32', 6), 10), 'float32')));
      const conv = (input, filter, bias) => tf.fused.conv2d({ x: input, filter, strides: 1, pad: 'valid', bias, activation: 'relu' });
      let model = () => {
        let h = tf.maxPool(conv(x, w1, b1), 2, 2, 'valid');
        h = tf.maxPool(conv(h, w2, b2), 2, 2, 'valid');
        h = tf.fused.matMul({ a: tf.reshape(h, [n, 1600]), b: w3, bias: b3, activation: 'relu' });
        return tf.losses.softmaxCrossEntropy(y, tf.fused.matMul({ a: h, b: w4, bias: b4 }));
      };
      let trained = params;
      if (peer === 'wasm-nn') {
        // The same model as torch.nn modules (what the Trainer's cnn recipe and a PyTorch port use), torch's init;
        // class indices for crossEntropy. Its layer kernels fuse bias and relu and skip the input batch's gradient.
        const nn = await import('@descent/nn');
        const { manualSeed } = await import('@descent/core');
        manualSeed(0);
        const net = new nn.Sequential(
          new nn.Conv2d(1, 32, 3), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Conv2d(32, 64, 3), new nn.ReLU(), new nn.MaxPool2d(2),
          new nn.Flatten(), new nn.Linear(1600, 128), new nn.ReLU(), new nn.Linear(128, 10),
        );
        const labels = keep(tf.argMax(y, 1));
        trained = net.parameters();
        trained.forEach(keep);
        model = () => nn.crossEntropy(net.forward(x), labels);
      }
      const optimizer = new AdamW(trained, { lr: 1e-3, weightDecay: 0.01 });
      const losses = [];
      const counts = []; // live tensors after each step: the first step adds AdamW's state, later ones should add nothing
      const step = async () => {
        const { value, grads } = tf.variableGrads(model, trained);
        optimizer.step(grads);
        tf.dispose(grads);
        losses.push((await value.data())[0]);
        value.dispose();
        counts.push(tf.memory().numTensors);
      };
      const budget = slow
        ? { warmup: 2, minRuns: 3, maxRuns: 20, budgetMs: 3000 }
        : { warmup: 10, minRuns: 10, maxRuns: 100, budgetMs: n > 64 ? 3000 : 1500 };
      const r = await best(step, budget, slow ? 2 : 3);
      const leaked = (counts.at(-1) - counts[0]) / (counts.length - 1);
      optimizer.dispose();
      steps.push({ batch: n, ...r, firstLoss: losses[0], lastLoss: losses.at(-1), leaked });
      console.error(peer, 'step', n, r);
    } catch (err) {
      steps.push({ batch: n, error: message(err) });
      console.error(peer, 'step', n, 'failed:', message(err));
    }
    tf.dispose(made);
  }

  // ---------- each kernel alone, at batch 64 ----------
  const kernels = [];
  const attempt = async (kernel, layer, flops, setup) => {
    if (peer === 'wasm-nn') return; // the same kernels as the plain wasm peer
    if (tf.getKernel(kernel, backend) == null) {
      kernels.push({ kernel, layer, flops, error: 'not registered' });
      return;
    }
    const made = [];
    try {
      const run = setup((t) => (made.push(t), t));
      const r = await best(
        async () => settle(run()),
        slow ? { warmup: 2, minRuns: 3, maxRuns: 20, budgetMs: 1000 } : { warmup: 3, minRuns: 10, maxRuns: 300, budgetMs: 400 },
        slow ? 2 : 3,
      );
      kernels.push({ kernel, layer, flops, ...r });
      console.error(peer, kernel, layer, r);
    } catch (err) {
      kernels.push({ kernel, layer, flops, error: message(err) });
      console.error(peer, kernel, layer, 'failed:', message(err));
    }
    tf.dispose(made);
  };
  const convAttrs = { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined };
  const run = (name, inputs, attrs) => tf.engine().runKernel(name, inputs, attrs);
  let seed = 100;
  const rand = (keep, shape) => keep(tf.randomNormal(shape, 0, 1, 'float32', seed++));
  for (const [layer, xShape, cout] of CONVS(KERNEL_BATCH)) {
    const fShape = [3, 3, xShape[3], cout];
    const yShape = [xShape[0], xShape[1] - 2, xShape[2] - 2, cout];
    const flops = convFlops(xShape, cout);
    await attempt('Conv2D', layer, flops, (keep) => {
      const x = rand(keep, xShape);
      const filter = rand(keep, fShape);
      return () => run('Conv2D', { x, filter }, convAttrs);
    });
    await attempt('FusedConv2D', layer, flops, (keep) => {
      const x = rand(keep, xShape);
      const filter = rand(keep, fShape);
      const bias = rand(keep, [cout]);
      return () => run('FusedConv2D', { x, filter, bias }, { ...convAttrs, activation: 'relu' });
    });
    await attempt('Conv2DBackpropInput', layer, flops, (keep) => {
      const dy = rand(keep, yShape);
      const filter = rand(keep, fShape);
      return () => run('Conv2DBackpropInput', { dy, filter }, { ...convAttrs, inputShape: xShape });
    });
    await attempt('Conv2DBackpropFilter', layer, flops, (keep) => {
      const x = rand(keep, xShape);
      const dy = rand(keep, yShape);
      return () => run('Conv2DBackpropFilter', { x, dy }, { ...convAttrs, filterShape: fShape });
    });
  }
  const poolAttrs = { filterSize: [2, 2], strides: [2, 2], pad: 'valid', dimRoundingMode: undefined };
  for (const [layer, xShape] of POOLS(KERNEL_BATCH)) {
    await attempt('MaxPool', layer, null, (keep) => {
      const x = rand(keep, xShape);
      return () => run('MaxPool', { x }, poolAttrs);
    });
    await attempt('MaxPoolGrad', layer, null, (keep) => {
      const input = rand(keep, xShape);
      const output = keep(run('MaxPool', { x: input }, poolAttrs));
      const dy = rand(keep, output.shape);
      return () => run('MaxPoolGrad', { dy, input, output }, poolAttrs);
    });
  }
  return { peer, backend, info, steps, kernels, leakedTensors: tf.memory().numTensors };
}

function runChild(peer) {
  const env = { ...process.env };
  if (peer === 'webgpu') {
    const icdIndex = join(root, '.cache', 'webgpu-drivers', 'icd.json');
    if (!existsSync(icdIndex)) return { peer, error: `not run: ${icdIndex} is missing (run scripts/provision.d/webgpu.sh)` };
    env.VK_ICD_FILENAMES = JSON.parse(readFileSync(icdIndex, 'utf8')).lavapipe;
  }
  console.error(`--- ${NAMES[peer]}`);
  const r = spawnSync(process.execPath, [self, peer], { env, encoding: 'utf8', timeout: 900_000, maxBuffer: 64 << 20 });
  process.stderr.write(r.stderr ?? '');
  const last = r.stdout?.trim().split('\n').at(-1);
  if (r.status !== 0 || !last?.startsWith('{')) {
    const tail = (r.stderr ?? '').trim().split('\n').filter(Boolean).at(-1) ?? '';
    return { peer, error: `crashed: exit ${r.status ?? ''} ${r.signal ?? ''}`.trim() + (tail ? ` (${tail.slice(0, 200)})` : '') };
  }
  return JSON.parse(last);
}

function runTorch() {
  const script = join(root, 'tools', 'bench_torch_cnn.py');
  if (!existsSync('/usr/bin/python3')) return { error: 'not run: /usr/bin/python3 is missing (apt-get install python3-torch)' };
  if (!existsSync(OPENBLAS)) return { error: `not run: ${OPENBLAS} is missing (apt-get install libopenblas0-pthread)` };
  const env = { ...process.env, LD_LIBRARY_PATH: [OPENBLAS, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') };
  const args = [script, ...(QUICK ? ['--quick'] : []), ...BATCHES.map(String)];
  console.error('--- PyTorch CPU');
  const r = spawnSync('/usr/bin/python3', args, { env, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) {
    if (/No module named .?torch/.test(r.stderr)) return { error: 'not run: python3-torch is missing (apt-get install python3-torch)' };
    return { error: `exit ${r.status}: ${r.stderr.trim().split('\n').at(-1)?.slice(0, 200)}` };
  }
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

/** Several PyTorch runs into one, each row its fastest median (a disturbed run is slower, never faster). */
function mergeTorch(torchRuns) {
  const ok = torchRuns.filter((t) => !t.error);
  if (ok.length === 0) return torchRuns[0];
  const pick = (key, match) => {
    const all = ok.flatMap((t) => t[key]).filter(match);
    return { ...all[0], ms: Math.min(...all.map((o) => o.ms)), samples: all.map((o) => +o.ms.toFixed(3)) };
  };
  return {
    ...ok[0],
    runs: ok.length,
    steps: ok[0].steps.map((s) => pick('steps', (o) => o.batch === s.batch)),
    kernels: ok[0].kernels.map((k) => pick('kernels', (o) => o.kernel === k.kernel && o.layer === k.layer)),
  };
}

if (process.argv[2]) {
  console.log(JSON.stringify(await measure(process.argv[2])));
  process.exit(0);
}

const load = () => os.loadavg().map((v) => v.toFixed(2)).join(', ');
const loadBefore = load();
// PyTorch's 2 threads suffer most from other jobs on the machine: it runs between the tfjs runs, and each row keeps its fastest median.
const torchRuns = [runTorch()];
const runs = [runChild('wasm'), runChild('wasm-nn'), runChild('wasm-stock')];
if (!QUICK) torchRuns.push(runTorch());
runs.push(runChild('wasm1'), runChild('cpu'), runChild('webgpu'));
if (!QUICK) torchRuns.push(runTorch());
const loadAfter = load();
const torch = mergeTorch(torchRuns);
console.log(JSON.stringify({ runs, torch }));

// ---------- the section ----------
const f = (ms) => (ms == null ? '–' : ms.toFixed(ms < 10 ? 2 : ms < 100 ? 1 : 0));
const esc = (s) => s.replace(/\|/g, '\\|');
const failed = (e) => (e === 'not registered' ? 'not registered' : `failed: ${esc(e)}`);
const gflops = (flops, ms) => {
  const g = flops / (ms * 1e6);
  return g.toFixed(g < 0.1 ? 3 : g < 10 ? 2 : 1);
};
const torchStep = (n) => torch.steps?.find((s) => s.batch === n)?.ms;
const ratio = (ms, n) => (ms == null || torchStep(n) == null ? '–' : `${(ms / torchStep(n)).toFixed(2)}×`);

const stepRows = [];
for (const run of [...runs, { peer: 'torch', torch }]) {
  if (run.peer === 'torch') {
    const cells = BATCHES.flatMap((n) => (torch.error ? [torch.error, '–'] : [f(torchStep(n)), '1×']));
    stepRows.push([NAMES.torch, ...cells, torch.error ? '' : `torch ${torch.torch}, ${torch.threads} threads, NCHW`]);
    continue;
  }
  if (run.error) {
    stepRows.push([NAMES[run.peer], ...BATCHES.flatMap(() => [run.error, '–']), '']);
    continue;
  }
  const cells = BATCHES.flatMap((n) => {
    const s = run.steps.find((o) => o.batch === n);
    if (s.skipped) return [s.skipped, '–'];
    return s.error ? [failed(s.error), '–'] : [`${f(s.ms)}${s.single ? ' (1 step)' : ''}`, ratio(s.ms, n)];
  });
  stepRows.push([NAMES[run.peer], ...cells, run.info]);
}

// Kernel table: one row per kernel and layer, one column per peer; each column's slowest kernel in bold.
// The nn peer runs the same kernels as the plain one: it has no column.
const kernelPeers = [...runs.map((r) => r.peer).filter((p) => p !== 'wasm-nn'), 'torch'];
const kernelOf = (peer, kernel, layer) => {
  if (peer === 'torch') return torch.error ? { error: torch.error } : (torch.kernels.find((k) => k.kernel === kernel && k.layer === layer) ?? { missing: true });
  const run = runs.find((r) => r.peer === peer);
  if (run.error) return { error: run.error };
  return run.kernels.find((k) => k.kernel === kernel && k.layer === layer) ?? { missing: true };
};
const KERNELS = [
  ...CONVS(KERNEL_BATCH).flatMap(([layer, xShape, cout]) =>
    ['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'].map((kernel) => ({ kernel, layer, flops: convFlops(xShape, cout) })),
  ),
  ...POOLS(KERNEL_BATCH).flatMap(([layer]) => ['MaxPool', 'MaxPoolGrad'].map((kernel) => ({ kernel, layer, flops: null }))),
];
// The step runs tf.fused.conv2d unfused under variableGrads, and needs no gradient for the input.
const notInStep = (kernel, layer) => kernel === 'FusedConv2D' || (kernel === 'Conv2DBackpropInput' && layer === 'conv1');
const slowest = Object.fromEntries(
  kernelPeers.map((peer) => {
    const times = KERNELS.filter((k) => !notInStep(k.kernel, k.layer)).map((k) => kernelOf(peer, k.kernel, k.layer).ms).filter((ms) => ms != null);
    return [peer, times.length ? Math.max(...times) : null];
  }),
);
const kernelRows = KERNELS.map(({ kernel, layer, flops }) => [
  `${kernel}${kernel === 'FusedConv2D' ? ' (bias, relu)' : ''}${notInStep(kernel, layer) ? ', not in the step' : ''}`,
  layer,
  flops == null ? '–' : (flops / 1e6).toFixed(0),
  ...kernelPeers.map((peer) => {
    const k = kernelOf(peer, kernel, layer);
    if (k.missing) return '–';
    if (k.error) return k.error.startsWith('not run') || k.error.startsWith('crashed') || k.error.startsWith('backend') ? '–' : failed(k.error);
    const cell = `${f(k.ms)}${flops == null ? '' : ` (${gflops(flops, k.ms)})`}${k.single ? ', 1 call' : ''}`;
    return k.ms === slowest[peer] ? `**${cell}**` : cell;
  }),
]);

const targetOf = (peer) => {
  const run = runs.find((r) => r.peer === peer);
  const step = run?.steps?.find((s) => s.batch === 64);
  return step?.ms != null && torchStep(64) != null
    ? `${NAMES[peer]}: ${(step.ms / torchStep(64)).toFixed(2)}× PyTorch's step time: ${QUICK ? 'not judged in a smoke run' : step.ms / torchStep(64) <= 1.5 ? 'met' : '**not met**'}`
    : `${NAMES[peer]}: not measured (${run?.error ?? step?.error ?? torch.error ?? 'no result'})`;
};
const target = ['wasm', 'wasm-nn'].map(targetOf).join('; ');
const torchNote = torch.error
  ? `PyTorch: ${torch.error}.`
  : `PyTorch ${torch.torch} (Debian python3-torch, oneDNN ${torch.mkldnn ? 'on' : 'off'}), ${torch.threads} threads, OpenBLAS (${OPENBLAS}), \`torch.optim.AdamW(lr=1e-3, weight_decay=0.01, foreach=True)\`, the same model in NCHW (\`nn.Conv2d\`, \`F.max_pool2d\`, \`nn.Linear\`, \`F.cross_entropy\`); its kernels are \`F.conv2d\`, \`aten.convolution_backward\` (one output mask each) and \`aten.max_pool2d_with_indices\`/\`_backward\`. It ran ${torch.runs ?? 1} time(s) between the tfjs runs; each row keeps its fastest median.`;
const leaks = runs.flatMap((r) => (r.steps ?? []).filter((s) => s.leaked > 0).map((s) => `${NAMES[r.peer]} at batch ${s.batch} (${s.leaked.toFixed(1)} per step)`));
// Every tfjs peer starts from the same seeded weights and data: their first losses should agree.
const losses = BATCHES.map((n) => {
  const by = runs.flatMap((r) => (r.peer === 'wasm-nn' ? [] : r.steps ?? []).filter((s) => s.batch === n && s.firstLoss != null).map((s) => `${NAMES[r.peer]} ${s.firstLoss.toFixed(4)}`));
  return by.length ? `batch ${n}: ${by.join(', ')}` : null;
}).filter(Boolean);

writeSection(
  'cnn-step',
  `## CNN training step: LeNet-style MNIST CNN with AdamW${QUICK ? ' (smoke run, `BENCH_QUICK=1`)' : ''}
${QUICK ? '\n**Smoke run**: `BENCH_QUICK=1`, one block of 2–3 samples per number, on a loaded machine. These numbers only show that every peer runs; `node bench/run.mjs cnn-step` on a quiet machine replaces them.\n' : ''}
One training step of a LeNet-style MNIST CNN written with plain tfjs-core ops and variables, as a Descent user writes it:
NHWC input [N, 28, 28, 1] → \`tf.fused.conv2d\` 32 3×3 valid (bias, relu) → \`tf.maxPool\` 2 → \`tf.fused.conv2d\` 64 3×3 valid (bias, relu) →
\`tf.maxPool\` 2 → flatten (1600) → \`tf.fused.matMul\` 128 (bias, relu) → \`tf.fused.matMul\` 10 (bias) → \`tf.losses.softmaxCrossEntropy\`;
\`tf.variableGrads\` for forward and backward, \`@descent/optim\`'s \`AdamW\` (lr 1e-3, weight decay 0.01) \`step(grads)\`, and the loss
read back with \`await loss.data()\`. Fixed random inputs and labels. Each peer in its own process; a step's time is the fastest
median of several blocks of steps after warm-up steps (other jobs share this machine: a disturbed block is slower, never faster).
"× PyTorch" is the peer's step time divided by PyTorch's (**lower is better**; 1× is PyTorch's speed).
Peers: the Descent wasm adapter (\`useBackend(wasmAdapter)\`: tfjs-wasm's threaded build, Descent's GEMM, convolutions and
optimizer kernels on its kernel pool, XNNPACK on one thread for the rest); the same with the model as \`@descent/nn\` modules
(\`Sequential(Conv2d, ReLU, MaxPool2d, …, Linear)\` with torch's init and \`crossEntropy\` on class indices, as the Trainer's
cnn recipe and a port of a PyTorch script write it: its conv layers run FusedConv2D with relu fused and skip the input
batch's gradient); the same with \`createWasmAdapter({ threads: 1 })\`, stock \`@tensorflow/tfjs-backend-wasm\` 4.22
(\`tf.setBackend('wasm')\`, no adapter), Descent cpu (\`useBackend('cpu')\`) and Descent webgpu on Dawn with the lavapipe Vulkan driver.
A peer whose backend lacks a kernel of the step shows the error instead of a time. A step or kernel whose first two calls each
take over ${SLOW_MS / 1000} s is timed by its second call alone ("1 step", "1 call"), and a peer timed so at batch 64 skips batch 256.
${torchNote}
Measured ${machine()}; load average before ${loadBefore}, after ${loadAfter}.

${table(['peer', 'batch 64 ms', '× PyTorch', 'batch 256 ms', '× PyTorch', 'notes'], stepRows)}

Target: the Descent wasm step within 1.5× of PyTorch's step time at batch 64: ${target}.

### The step's kernels alone, batch ${KERNEL_BATCH}

Each kernel of the step on its own, called with \`tf.engine().runKernel\` on fixed random inputs of the layer's shapes
(conv1: x [64, 28, 28, 1], filter [3, 3, 1, 32]; conv2: x [64, 13, 13, 32], filter [3, 3, 32, 64]; pool1: [64, 26, 26, 32]; pool2: [64, 11, 11, 64]; 2×2 pools, stride 2).
Cells: ms per call (GFLOP/s), with a conv's FLOPs 2·N·OH·OW·KH·KW·Cin·Cout for all three conv kernels; each peer's slowest kernel in bold;
"not registered": the backend has no such kernel. cpu and wasm kernels are synchronous and timed without reading back; webgpu
calls await a 1-value read of the output. Under \`tf.variableGrads\` tfjs-core runs \`tf.fused.conv2d\` with relu unfused
(Conv2D, Add, Relu: its fused gradient handles only a linear activation), and the input needs no gradient, so the step itself runs
neither FusedConv2D nor conv1's Conv2DBackpropInput; those rows are marked "not in the step".

${table(['kernel', 'layer', 'MFLOP', ...kernelPeers.map((p) => NAMES[p])], kernelRows)}

Notes:
- First-step losses (same seeded weights and data on every tfjs peer; PyTorch has its own init): ${losses.join('; ') || 'none'}.
- ${leaks.length ? `Tensors left behind by steps: ${leaks.join('; ')}.` : 'No tfjs peer leaks tensors across steps.'}
- PyTorch runs NCHW with oneDNN convolutions; tfjs is NHWC only. Each pool's MaxPoolGrad in tfjs takes the pooled output and
  finds the argmax again; PyTorch keeps the indices from the forward pass.`,
);
console.error('wrote bench/results/cnn-step.md');
