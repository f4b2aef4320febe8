// Single matmuls of a training step on the Descent wasm adapter, where b is a
// new tensor on every call (a weight after each optimizer step, dy, the input
// batch): Descent's matmul (its GEMM, asm/gemm.ts, or XNNPACK for tall a when
// XNNPACK has as many threads as the kernel pool) against tfjs-wasm's own XNNPACK path,
// which packs every new b, and against XNNPACK with the same b every call (the
// inference case, which Descent also sends to XNNPACK). Each thread count runs
// split of threads (the kernel pool's, XNNPACK's) runs in its own process. Only the
// matmul is timed; b's copy is made before.
//
//   node bench/src/gemm.mjs
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { machine, median, table, writeSection } from './_util.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
// [label, m, k, n]: C[m, n] = A[m, k] · B[k, n].
const SHAPES = [
  ['MLP forward, batch 64: x · W₁', 64, 784, 256],
  ['MLP forward, batch 256: x · W₁', 256, 784, 256],
  ['CNN dense, batch 64: h · W₃', 64, 1600, 128],
  ['CNN conv2 filter gradient, batch 64: patchesᵀ · dy', 288, 7744, 64],
  ['CNN conv2 input gradient, batch 64: dy · Wᵀ', 7744, 64, 288],
  ['square 1024', 1024, 1024, 1024],
];
const WAYS = {
  gemm: 'Descent, new b',
  xnnNew: 'XNNPACK, new b (stock tfjs-wasm path)',
  xnnSame: 'XNNPACK, same b (inference)',
};

async function child(threads, xnnpackThreads) {
  const tf = await import('@tensorflow/tfjs-core');
  const { useBackend } = await import('@descent/core');
  const { createWasmAdapter, installMatMulKernels, uninstallMatMulKernels } = await import('@descent/backend-wasm');
  const adapter = createWasmAdapter({ threads, xnnpackThreads });
  await useBackend(adapter);
  const rows = [];
  for (const [label, m, k, n] of SHAPES) {
    const a = tf.randomUniform([m, k], -1, 1, 'float32', 1);
    const b0 = tf.randomUniform([k, n], -1, 1, 'float32', 2);
    const calls = QUICK ? 3 : Math.max(7, Math.min(60, Math.round(4e8 / (m * k * n))));
    const time = (fresh) => {
      const times = [];
      for (let i = 0; i < calls + 2; i++) {
        const b = fresh ? tf.add(b0, 0) : b0;
        const t0 = performance.now();
        const y = tf.matMul(a, b);
        const ms = performance.now() - t0;
        if (i >= 2) times.push(ms);
        y.dispose();
        if (fresh) b.dispose();
      }
      return median(times);
    };
    installMatMulKernels();
    const gemm = time(true);
    uninstallMatMulKernels();
    const xnnNew = time(true);
    const xnnSame = time(false);
    installMatMulKernels();
    rows.push({ label, m, k, n, gemm, xnnNew, xnnSame });
    tf.dispose([a, b0]);
  }
  const { xnnpackThreads: xnnThreads, optimThreads } = adapter.capabilities.info;
  console.log(JSON.stringify({ xnnThreads, optimThreads, rows }));
}

if (process.argv[2]) {
  await child(Number(process.argv[2]), Number(process.argv[3]));
  process.exit(0);
}

const runs = [];
const cores = Math.min(2, os.availableParallelism());
// [kernel pool, XNNPACK]: the adapter's default (XNNPACK on 1), both on every core, one thread.
const splits = cores > 1 ? [[cores, 1], [cores, cores], [1, 1]] : [[1, 1]];
for (const [threads, xnn] of splits) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), String(threads), String(xnn)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gemm bench child (threads ${threads}, XNNPACK ${xnn}) failed: ${(r.stderr || r.stdout).slice(-500)}`);
  runs.push(JSON.parse(r.stdout.trim().split('\n').at(-1)));
}
// Descent's routing (packages/backend-wasm/src/kernels/gemm.ts, preferGemm): everything goes to the GEMM when the
// pool has more threads than XNNPACK; else a new b does unless a has 256 rows or more and XNNPACK runs threaded,
// where XNNPACK's packing pays for itself.
const path = (row, run) => (run.optimThreads > run.xnnThreads ? 'GEMM' : row.m >= 256 && run.xnnThreads > 1 ? 'XNNPACK' : 'GEMM');
const cell = (ms, row) => `${ms.toFixed(ms < 10 ? 2 : 1)} (${((2 * row.m * row.k * row.n) / (ms * 1e6)).toFixed(1)})`;
const body = runs.flatMap((run) =>
  run.rows.map((row) => [
    `${row.label} [${row.m}×${row.k}]·[${row.k}×${row.n}]`,
    `${run.optimThreads} / ${run.xnnThreads}`,
    path(row, run),
    cell(row.gemm, row),
    cell(row.xnnNew, row),
    cell(row.xnnSame, row),
    `**${(row.xnnNew / row.gemm).toFixed(2)}×**`,
  ]),
);
writeSection(
  'gemm',
  `## Matmuls with a new b: Descent's GEMM against XNNPACK (wasm)

One \`tf.matMul(a, b)\` of a training step's shapes on the Descent wasm adapter, where b is a new tensor on every call, as
in training (weights change every step; dy and the input batch are new). Descent's GEMM (\`asm/gemm.ts\`: 4×8 register
blocks, one 8-column panel of b packed at a time) runs on the kernel pool's threads; XNNPACK (tfjs-wasm's own path,
\`uninstallMatMulKernels()\`) packs every new b before multiplying, on its own pool. Threads: the kernel pool's / XNNPACK's,
each split in its own process; the adapter's default gives XNNPACK one thread and the pool every core, and then every
product goes to the GEMM. With XNNPACK on as many threads as the pool, Descent sends a new b to its GEMM, except when a
has 256 rows or more and XNNPACK runs on several threads: there packing pays for itself ("Descent takes"), and a b it has
seen before to XNNPACK. "Same b" multiplies one b every call, the inference case, where XNNPACK's packed copy pays.
Cells: ms per call, the median of up to 60 calls after 2 warm-up calls (GFLOP/s); only the matmul is timed. "Speed-up"
is XNNPACK with a new b ÷ Descent (**higher is better**).
Measured ${machine()}.

${table(['product', 'threads', 'Descent takes', WAYS.gemm, WAYS.xnnNew, WAYS.xnnSame, 'speed-up'], body)}
`,
);
console.log(JSON.stringify(runs));
