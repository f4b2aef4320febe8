// Shared bits of the benchmarks: timing with medians, and writing a result section.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

export const resultsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Times `fn` (sync or async) `runs` times after `warmup` calls; returns the median in ms. */
export async function timeMedian(fn, { runs = 10, warmup = 2 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** Calls `fn` until `minRuns` samples and `budgetMs` are both reached (or `maxRuns`); returns the times in ms. */
export async function sampleTimes(fn, { warmup = 2, minRuns = 5, maxRuns = 30, budgetMs = 4000 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  const times = [];
  const start = performance.now();
  while (times.length < maxRuns && (times.length < minRuns || performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times;
}

export function machine() {
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

export function writeSection(name, markdown) {
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, `${name}.md`), `${markdown.trim()}\n`);
}

export function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/**
 * The fastest median of `blocks` samplings of `fn` (the first with `options`' warm-up, the others with one):
 * a block another job on the machine disturbed does not count.
 */
export async function bestOfBlocks(fn, options, blocks) {
  const all = [];
  for (let b = 0; b < blocks; b++) all.push(median(await sampleTimes(fn, b === 0 ? options : { ...options, warmup: 1 })));
  return { ms: Math.min(...all), blocks: all.map((ms) => +ms.toFixed(3)) };
}

/**
 * Activates a benchmark backend in this process: `wasm` (the default adapter), `wasm1` (one thread), `webgpu`, or
 * `cpu`. Returns a line about it for the results.
 */
export async function useBenchBackend(backend) {
  const { useBackend } = await import('@descent/core');
  if (backend === 'wasm' || backend === 'wasm1') {
    const { createWasmAdapter, wasmAdapter } = await import('@descent/backend-wasm');
    const adapter = backend === 'wasm' ? wasmAdapter : createWasmAdapter({ threads: 1 });
    await useBackend(adapter);
    const { xnnpackThreads, optimThreads } = adapter.capabilities.info;
    return `kernel pool (GEMM, optimizer) threads ${optimThreads}, XNNPACK threads ${xnnpackThreads}`;
  }
  if (backend === 'webgpu') {
    const { webgpuAdapter } = await import('@descent/backend-webgpu');
    await useBackend(webgpuAdapter);
    return webgpuAdapter.capabilities.info?.description ?? '';
  }
  await useBackend('cpu');
  return '';
}

/**
 * Runs `script` with `args` in a child Node process (webgpu: with only the lavapipe Vulkan driver visible) and
 * returns the JSON it prints last, or `{ backend, error }`.
 */
export function runBackendChild(script, backend, args, timeout) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const env = { ...process.env };
  if (backend === 'webgpu') {
    const icdIndex = join(root, '.cache', 'webgpu-drivers', 'icd.json');
    if (!existsSync(icdIndex)) return { backend, error: `${icdIndex} is missing (run scripts/provision.d/webgpu.sh)` };
    env.VK_ICD_FILENAMES = JSON.parse(readFileSync(icdIndex, 'utf8')).lavapipe;
  }
  const r = spawnSync(process.execPath, [script, ...args], { env, encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) return { backend, error: `exit ${r.status} ${r.signal ?? ''}`.trim() };
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}
