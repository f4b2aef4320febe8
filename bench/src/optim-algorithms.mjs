// One optimizer step of AdamW, Adafactor and Muon (@descent/optim) on two models:
// the 784-256-10 MLP, and 10M params as 38 weight matrices of [256, 1024] (a stack of
// transformer MLP layers), on the cpu, wasm and webgpu (lavapipe) backends, each in
// its own child process; PyTorch CPU's AdamW (foreach, 2 threads, OpenBLAS) on the
// same shapes (tools/bench_torch_optim.py --models): Debian's torch 1.13 has no Muon
// or Adafactor. Muon steps the 2-D weights and AdamW the biases, the way the two are
// paired (muonParamGroups).
//
// `node bench/src/optim-algorithms.mjs --quick` takes one short block per row, to
// check that it runs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bestOfBlocks, machine, runBackendChild, table, useBenchBackend, writeSection } from './_util.mjs';

const self = fileURLToPath(import.meta.url);
const root = join(dirname(self), '..', '..');
const OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-pthread';
const quick = process.argv.includes('--quick');

/** Each model's parameters in tfjs's layouts (Dense kernels [in, out]); PyTorch gets torch's ([out, in]). */
const MODELS = {
  'MLP 784-256-10': [[784, 256], [256], [256, 10], [10]],
  '10M (38 × [256, 1024])': Array.from({ length: 38 }, () => [256, 1024]),
};
const torchShapes = (shapes) => shapes.map((s) => (s.length === 2 ? [s[1], s[0]] : s));
const count = (shapes) => shapes.reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
// 'Adafactor (composite)' is the same update as tfjs ops (`fused: false`): what its fused kernels save.
const OPTIMIZERS = ['AdamW', 'Adafactor', 'Adafactor (composite)', 'Muon'];

async function measure(backend) {
  const tf = await import('@tensorflow/tfjs-core');
  const optim = await import('@descent/optim');
  const info = await useBenchBackend(backend);
  const results = [];
  for (const [model, shapes] of Object.entries(MODELS)) {
    const n = count(shapes);
    const big = n >= 5_000_000;
    const vars = shapes.map((s, i) => tf.variable(tf.randomNormal(s, 0, 0.05), true, `${model}/p${i}`));
    const grads = Object.fromEntries(vars.map((v) => [v.name, tf.randomNormal(v.shape, 0, 0.01)]));
    // webgpu queues work: wait for the step by reading one value of the last param.
    const done =
      backend === 'webgpu'
        ? async () => {
            const one = tf.tidy(() => tf.slice(tf.reshape(vars.at(-1), [-1]), [0], [1]));
            await one.data();
            one.dispose();
          }
        : () => {};
    for (const name of OPTIMIZERS) {
      // The cpu backend's matmul runs Muon's Newton-Schulz on 10M params in minutes per step.
      if (backend === 'cpu' && name === 'Muon' && big) {
        results.push({ model, n, optimizer: name, skipped: 'minutes per step (tfjs cpu matmul)' });
        continue;
      }
      const matrices = vars.filter((v) => v.rank === 2);
      const rest = vars.filter((v) => v.rank !== 2);
      const opts =
        name === 'Muon'
          ? [new optim.Muon(matrices, { lr: 0.02 }), ...(rest.length ? [new optim.AdamW(rest, { lr: 1e-3, weightDecay: 0.01 })] : [])]
          : [name === 'AdamW' ? new optim.AdamW(vars, { lr: 1e-3, weightDecay: 0.01 }) : new optim.Adafactor(vars, { fused: name === 'Adafactor' ? null : false })];
      const step = async () => {
        for (const o of opts) o.step(grads);
        await done();
      };
      // A first step (state creation, kernel compilation) tells how long a step takes: rows of seconds per step
      // (Muon on 10M params, the software Vulkan driver's matmul) get a few runs, the rest several blocks.
      const t0 = performance.now();
      await step();
      const first = performance.now() - t0;
      // The first step made the state: every later one must leave the tensor count as it was.
      const before = tf.memory().numTensors;
      const slow = first > 2000;
      const budget = quick
        ? { warmup: 0, minRuns: 1, maxRuns: 3, budgetMs: 200 }
        : { warmup: slow ? 0 : 3, minRuns: slow ? 2 : 10, maxRuns: 200, budgetMs: slow ? 0 : big ? 2000 : 800 };
      const r = await bestOfBlocks(step, budget, quick || slow ? 1 : 4);
      const leaked = tf.memory().numTensors - before;
      opts.forEach((o) => o.dispose());
      results.push({ model, n, optimizer: name, ...r, leaked });
      console.error(backend, model, name, r);
    }
    tf.dispose([...vars, ...Object.values(grads)]);
  }
  return { backend, info, results };
}

function runChild(backend) {
  return runBackendChild(self, backend, ['--child', backend, ...(quick ? ['--quick'] : [])], 1_800_000);
}

function runTorch() {
  if (!existsSync(OPENBLAS)) return { error: `${OPENBLAS} is missing (apt-get install libopenblas0-pthread)` };
  const dir = mkdtempSync(join(os.tmpdir(), 'optim-algorithms-'));
  try {
    const file = join(dir, 'models.json');
    writeFileSync(file, JSON.stringify(Object.fromEntries(Object.entries(MODELS).map(([k, v]) => [k, torchShapes(v)]))));
    const env = { ...process.env, LD_LIBRARY_PATH: [OPENBLAS, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') };
    const r = spawnSync('/usr/bin/python3', [join(root, 'tools', 'bench_torch_optim.py'), '--models', file], { env, encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) return { error: `exit ${r.status}: ${r.stderr.slice(-300)}` };
    return JSON.parse(r.stdout.trim().split('\n').at(-1));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) {
  console.log(JSON.stringify(await measure(process.argv[childAt + 1])));
  process.exit(0);
}

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(', ');
const loadBefore = load();
// PyTorch's 2 threads suffer most from other jobs: it runs before and after the tfjs runs, each row keeps its faster.
const torchRuns = [runTorch()];
const runs = ['wasm', 'cpu', 'webgpu'].map(runChild);
torchRuns.push(runTorch());
const loadAfter = load();
const torchMs = (model) => {
  const all = torchRuns.flatMap((t) => t.results ?? []).filter((r) => r.model === model);
  return all.length ? Math.min(...all.map((r) => r.ms)) : undefined;
};
const torch = torchRuns.find((t) => !t.error) ?? torchRuns[0];
console.log(JSON.stringify({ runs, torchRuns }));

const f = (ms) => (ms == null ? '–' : ms.toFixed(ms < 10 ? 2 : ms < 100 ? 1 : 0));
const names = { wasm: 'wasm', cpu: 'cpu', webgpu: 'webgpu (lavapipe)' };
const rows = [];
for (const run of runs) {
  if (run.error) {
    rows.push([names[run.backend], '–', '–', '–', '–', '–', `not run: ${run.error}`]);
    continue;
  }
  for (const model of Object.keys(MODELS)) {
    const cell = (opt) => {
      const r = run.results.find((x) => x.model === model && x.optimizer === opt);
      if (!r) return '–';
      if (r.skipped) return `not run: ${r.skipped}`;
      return `${f(r.ms)}${r.leaked ? ` (${r.leaked} tensors leaked)` : ''}`;
    };
    rows.push([names[run.backend], model, ...OPTIMIZERS.map(cell), f(torchMs(model))]);
  }
}
const torchNote = torch.error
  ? `PyTorch: not run (${torch.error}).`
  : `PyTorch ${torch.torch} (Debian python3-torch), ${torch.threads} threads, OpenBLAS, \`AdamW(foreach=True)\` on the same shapes in torch's layouts, run before and after the tfjs runs (the faster kept); torch 1.13 has no Muon or Adafactor.`;
const gpuInfo = runs.find((r) => r.backend === 'webgpu' && !r.error)?.info;
writeSection(
  'optim-algorithms',
  `## Optimizer step: AdamW, Adafactor and Muon on an MLP and on 10M params

Medians in ms per step (${quick ? 'a quick check: one short block each, not a measurement' : 'each the fastest of several blocks of steps'}), \`@descent/optim\` on each backend: \`AdamW\` (lr 1e-3, weight decay 0.01;
one fused kernel per parameter), \`Adafactor\` (torch's defaults; factored second moments; one fused kernel per parameter, and
the same update as composite tfjs ops with \`fused: false\`) and \`Muon\` (lr 0.02, torch's defaults: a fused momentum and
normalisation, 5 Newton-Schulz iterations of three matmuls on the backend's matmul in float32, a fused apply) on the 2-D weights with
\`AdamW\` on the biases. The models: the 784-256-10 MLP (${count(MODELS['MLP 784-256-10']).toLocaleString('en')} params) and 10M params as 38 matrices of
[256, 1024] (${count(MODELS['10M (38 × [256, 1024])']).toLocaleString('en')} params), gradients given. cpu and wasm steps are synchronous; webgpu steps await a 1-value read.
${torchNote}${gpuInfo ? ` webgpu: Dawn with lavapipe (${gpuInfo}).` : ''}
Measured ${machine()}; load average before ${loadBefore}, after ${loadAfter}.

${table(['backend', 'model', 'AdamW ms', 'Adafactor ms', 'Adafactor, fused: false ms', 'Muon (+ AdamW on biases) ms', 'PyTorch AdamW ms'], rows)}

Muon's step is matmul-bound (${(((4 * 256 * 256 * 1024 + 2 * 256 ** 3) * 5 * 38) / 1e9).toFixed(0)} GFLOP per step on the 10M model, most of it in
\`[256, 1024] @ [1024, 256]\`-sized products), so it follows the backend's matmul, not its elementwise kernels. Adafactor's fused kernel does its reductions (the RMS of
the parameter and of the update, the row and column means) and its elementwise work in one kernel call per parameter,
where the composite update runs about 30 tfjs kernels.`,
);
