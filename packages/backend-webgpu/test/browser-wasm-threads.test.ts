// tfjs-wasm with threads in a real browser: headless Chromium on a
// cross-origin isolated page (the only kind that gets SharedArrayBuffer), where
// tfjs starts its threaded build itself and the wasm adapter splits large
// optimizer steps across worker threads. The result must agree with the cpu
// backend in Node on the same inputs.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { cpuAdapter, useBackend } from '@descent/core';
import { describe, expect, it } from 'vitest';
import { runPageInChromium, type PageRun } from '@descent/chromium-page';
import { OPTIM_SIZE, runOptimSteps } from './browser/optim-step.js';
import type { ThreadsReport } from './browser/page.js';

const PAGE = new URL('./browser/page.ts', import.meta.url).pathname;

let pending: Promise<{ run: PageRun<ThreadsReport>; cpu: number[] }> | undefined;

async function start() {
  await useBackend(cpuAdapter);
  if (tf.getBackend() !== 'cpu') throw new Error(`useBackend(cpuAdapter) left tfjs on ${tf.getBackend()}`);
  const cpu = await runOptimSteps();
  const run = await runPageInChromium<ThreadsReport>({ page: PAGE, timeoutMs: 40_000, isolated: true, entry: 'descentThreadsTest' });
  console.info(`isolated page: hardwareConcurrency ${run.report.hardwareConcurrency}, wasmAdapter info ${JSON.stringify(run.report.capabilities.info)}`);
  return { run, cpu };
}
const browser = () => (pending ??= start());

describe('wasm adapter with threads in headless Chromium (cross-origin isolated page)', () => {
  it('gets a shared heap, and runs the optimizer kernels on every core', async () => {
    const { report } = (await browser()).run;
    expect(report.crossOriginIsolated).toBe(true);
    expect(report.backend).toBe('wasm');
    const cores = Math.min(8, report.hardwareConcurrency);
    expect(report.capabilities.info).toMatchObject({ simd: true, optimKernels: true, optimThreads: cores });
  }, 90_000);

  it('an AdamW run split across the threads agrees with the cpu backend in Node, and leaks nothing', async () => {
    const { run, cpu } = await browser();
    const { param, leaked } = run.report;
    expect(param.length).toBe(OPTIM_SIZE);
    let bad = 0;
    for (let i = 0; i < OPTIM_SIZE; i++) if (!(Math.abs(param[i] - cpu[i]) <= 1e-6 + 1e-5 * Math.abs(cpu[i]))) bad++;
    expect(bad).toBe(0);
    expect(leaked).toBe(0);
  }, 90_000);
});
