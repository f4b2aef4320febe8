// The Adam-step benchmark: one Adam step on N float32 parameters with Descent's
// fused kernel and with tf.train.adam on the active backend, and PyTorch's Adam
// (foreach and fused) on the same machine through torch_adam.py. A step is
// timed up to a 1-value read of the new parameter, which waits for the device.
// Shared by scripts/gpu-check (webgpu) and packages/backend-cuda/test/gpu (tensorflow).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The lowest of `blocks` medians (a block that another job disturbed does not count), after `warmup` calls. */
export async function timeMs(fn, { warmup = 3, runs = 20, blocks = 3 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  const medians = [];
  for (let b = 0; b < blocks; b++) {
    const times = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await fn();
      times.push(performance.now() - t0);
    }
    medians.push(median(times));
  }
  return Math.min(...medians);
}

/** Descent's Adam (fused op) and tf.train.adam, one step each on `sizes` parameters, on the active backend. */
export async function benchAdam(tf, optim, { sizes, runs = 20, blocks = 3 }) {
  const rows = [];
  for (const n of sizes) {
    const param = tf.variable(tf.randomNormal([n]), true, `adam-bench-${n}`);
    const grad = tf.randomNormal([n]);
    const grads = { [param.name]: grad };
    const wait = async () => {
      const one = tf.slice(param, [0], [1]);
      await one.data();
      one.dispose();
    };
    const opt = new optim.Adam([param], { lr: 1e-3 });
    const kernel = optim.fusedOps?.adamStep?.hasKernel?.(tf.getBackend()) ?? null;
    rows.push({ who: 'Descent Adam', n, kernel, ms: await timeMs(async () => (opt.step(grads), await wait()), { runs, blocks }) });
    opt.dispose?.();
    const tfOpt = tf.train.adam(1e-3);
    rows.push({ who: 'tf.train.adam', n, ms: await timeMs(async () => (tfOpt.applyGradients(grads), await wait()), { runs, blocks }) });
    tfOpt.dispose();
    tf.dispose([param, grad]);
  }
  return rows;
}

/** PyTorch's Adam on this machine (its GPU when it has one), or why it could not run. */
export function torchAdam(script, sizes, { python = 'python3', timeoutMs = 300_000 } = {}) {
  if (!existsSync(script)) return { error: `${script} is missing` };
  const r = spawnSync(python, [script, ...sizes.map(String)], { encoding: 'utf8', timeout: timeoutMs });
  if (r.error) return { error: `${python}: ${r.error.code ?? r.error.message}` };
  if (r.status !== 0) return { error: `${python} ${script} exited ${r.status}: ${(r.stderr ?? '').trim().split('\n').at(-1)}` };
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

/** A markdown table of Descent, tf.train.adam and PyTorch per size. */
export function adamTable(rows, torch) {
  const sizes = [...new Set(rows.map((r) => r.n))];
  const torchRows = torch?.results ?? [];
  const cell = (r) => (r ? (r.ms !== undefined ? r.ms.toFixed(3) : `(${r.error})`) : '–');
  const lines = ['| params | Descent Adam (ms) | tf.train.adam (ms) | PyTorch foreach (ms) | PyTorch fused (ms) |', '|---|---|---|---|---|'];
  for (const n of sizes) {
    const d = rows.find((r) => r.n === n && r.who === 'Descent Adam');
    const t = rows.find((r) => r.n === n && r.who === 'tf.train.adam');
    const pf = torchRows.find((r) => r.n === n && r.variant === 'foreach');
    const pz = torchRows.find((r) => r.n === n && r.variant === 'fused');
    lines.push(`| ${n.toLocaleString('en-US')} | ${cell(d)}${d?.kernel === false ? ' (fallback)' : ''} | ${cell(t)} | ${cell(pf)} | ${cell(pz)} |`);
  }
  return lines.join('\n');
}
