// The WebGPU adapter in a real browser: headless Chromium with SwiftShader's
// WebGPU. The page activates webgpu and then wasm through their adapters in
// one page; the numbers must agree with each other and with tfjs's cpu
// backend in Node. No WebGPU adapter is a failure, never a skip.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { cpuAdapter, useBackend } from '@descent/core';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, runPageInChromium, type PageRun } from '@descent/chromium-page';
import { compareResults, closeness, runWorkload, type WorkloadResult } from './browser/workload.js';
import type { PageReport } from './browser/page.js';

const PAGE = fileURLToPath(new URL('./browser/page.ts', import.meta.url));

// float32 tolerance: SwiftShader, XNNPACK and tfjs's cpu kernels sum in
// different orders and use different exp/log, which costs a few ulps.
const RTOL = 1e-5;
const ATOL = 1e-5;

// The repository's .test-results (gitignored; scripts/test.mjs writes its report there too).
const RECORD_DIR = fileURLToPath(new URL('../../../.test-results/', import.meta.url));

// Started by the first test that needs it and shared by the rest; a failure
// to start fails each test (a failed beforeAll would only mark them skipped).
let pending: Promise<{ run: PageRun<PageReport>; cpu: WorkloadResult }> | undefined;

async function start(): Promise<{ run: PageRun<PageReport>; cpu: WorkloadResult }> {
  await useBackend(cpuAdapter);
  if (tf.getBackend() !== 'cpu') throw new Error(`useBackend(cpuAdapter) left tfjs on ${tf.getBackend()}`);
  const cpu = await runWorkload();
  const run = await runPageInChromium<PageReport>({ page: PAGE, timeoutMs: 40_000 });
  const { report, timings } = run;
  const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const agreement = Object.fromEntries(
    (
      [
        ['webgpu vs wasm', report.webgpu.result, report.wasm.result],
        ['webgpu vs cpu', report.webgpu.result, cpu],
        ['wasm vs cpu', report.wasm.result, cpu],
      ] as const
    ).map(([what, a, e]) => [what, closeness(a, e, RTOL, ATOL)]),
  );
  const record = {
    userAgent: report.userAgent,
    flags: CHROMIUM_ARGS,
    gpuAdapter: report.gpuAdapter,
    capabilities: { webgpu: report.webgpu.capabilities, wasm: report.wasm.capabilities },
    timingsMs: { ...timings, webgpu: report.webgpu.ms, wasm: report.wasm.ms },
    tolerance: { rtol: RTOL, atol: ATOL },
    agreement,
  };
  // Kept beside vitest's JSON report, for whoever wants to know what the run used.
  mkdirSync(RECORD_DIR, { recursive: true });
  writeFileSync(join(RECORD_DIR, 'webgpu-browser.json'), `${JSON.stringify(record, null, 2)}\n`);
  console.info(
    [
      `chromium: ${report.userAgent}`,
      `flags: ${CHROMIUM_ARGS.join(' ')}`,
      `WebGPU adapter: ${JSON.stringify(report.gpuAdapter.info)}`,
      // The full capabilities, limits included, are in the record file.
      `webgpuAdapter info: ${JSON.stringify(report.webgpu.capabilities.info)}`,
      `wasmAdapter info: ${JSON.stringify(report.wasm.capabilities.info)}`,
      `time: bundle ${fmt(timings.bundle)}, launch ${fmt(timings.launch)}, load ${fmt(timings.load)}, ` +
        `page run ${fmt(timings.run)} (webgpu ${fmt(report.webgpu.ms)}, wasm ${fmt(report.wasm.ms)})`,
      ...Object.entries(agreement).map(
        ([what, c]) => `${what}: max |diff| ${c.maxAbs.toExponential(2)}, ${(100 * c.toleranceUsed).toFixed(1)}% of the tolerance`,
      ),
    ].join('\n'),
  );
  return { run, cpu };
}

const browser = () => (pending ??= start());

describe('webgpu adapter in headless Chromium (SwiftShader)', () => {
  it('finds a WebGPU adapter and activates tfjs webgpu through the adapter', async () => {
    const { report } = (await browser()).run;
    // The page throws when requestAdapter() gives null; this pins what it found.
    expect(report.gpuAdapter.info.vendor ?? report.gpuAdapter.info.architecture).toBeTruthy();
    expect(report.webgpu.backend).toBe('webgpu');
    expect(report.wasm.backend).toBe('wasm');
  }, 90_000);

  it('runs every output on both backends, with finite values', async () => {
    const { run, cpu } = await browser();
    const { report } = run;
    for (const result of [report.webgpu.result, report.wasm.result]) {
      expect(Object.keys(result).sort()).toEqual(Object.keys(cpu).sort());
      for (const [name, t] of Object.entries(result)) {
        expect(t.values.length, name).toBe(cpu[name].values.length);
        expect(t.values.every(Number.isFinite), `${name} has non-finite values`).toBe(true);
      }
    }
    // The MLP's gradients are not trivially zero: relu left some units alive.
    expect(cpu.mlpGradW1.values.some((v) => Math.abs(v) > 1e-4)).toBe(true);
    expect(cpu.mlpLoss.values[0]).toBeGreaterThan(0);
  });

  it('webgpu agrees with wasm in the same page', async () => {
    const { report } = (await browser()).run;
    expect(compareResults(report.webgpu.result, report.wasm.result, RTOL, ATOL)).toEqual([]);
  });

  it('webgpu agrees with the cpu backend in Node', async () => {
    const { run, cpu } = await browser();
    expect(compareResults(run.report.webgpu.result, cpu, RTOL, ATOL)).toEqual([]);
  });

  it('wasm agrees with the cpu backend in Node', async () => {
    const { run, cpu } = await browser();
    expect(compareResults(run.report.wasm.result, cpu, RTOL, ATOL)).toEqual([]);
  });
});
