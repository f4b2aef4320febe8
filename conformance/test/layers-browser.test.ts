// A subset of the layer coverage in headless Chromium (SwiftShader's WebGPU,
// and tfjs-wasm on a plain page): the page trains each case on webgpu and on
// wasm; the numbers must agree with cpu in Node, as in the Node suites.
import '@tensorflow/tfjs-backend-cpu';
import { cpuAdapter } from '@descent/core';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, runPageInChromium, type PageRun } from '@descent/chromium-page';
import type { LayersPageReport, PlainCaseResult } from './browser/layers-page.js';
import { BROWSER_CASES, caseNamed } from './layers/cases.js';
import { runCase, type CaseResult } from './layers/run.js';
import { activate, TOLERANCE, verify, writeRecord, type Verdict } from './layers/suite.js';

const PAGE = new URL('./browser/layers-page.ts', import.meta.url).pathname;
const BACKENDS = ['webgpu', 'wasm'] as const;

// Started by the first test and shared; a failure to start fails each test.
let pending: Promise<{ run: PageRun<LayersPageReport>; cpu: Map<string, CaseResult>; verdicts: Map<string, Verdict | string> }> | undefined;

function typed(r: PlainCaseResult): CaseResult {
  return { ...r, grads: r.grads.map((g) => Float32Array.from(g)), weights: r.weights.map((w) => Float32Array.from(w)) };
}

async function start() {
  await activate(cpuAdapter);
  const cpu = new Map<string, CaseResult>();
  for (const name of BROWSER_CASES) cpu.set(name, await runCase(caseNamed(name)));
  const run = await runPageInChromium<LayersPageReport>({ page: PAGE, entry: 'descentLayersTest', timeoutMs: 150_000 });
  // `${backend}/${case}` → the verdict against cpu, or the error the page reported.
  const verdicts = new Map<string, Verdict | string>();
  for (const backend of BACKENDS) {
    for (const c of run.report[backend].cases) {
      verdicts.set(`${backend}/${c.name}`, c.result ? verify(typed(c.result), cpu.get(c.name)!) : (c.error ?? 'no result'));
    }
  }
  const passed = (backend: string) =>
    BROWSER_CASES.filter((name) => {
      const v = verdicts.get(`${backend}/${name}`);
      return typeof v === 'object' && v.problems.length === 0;
    }).length;
  const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const { report, timings } = run;
  console.info(
    [
      `layer coverage in Chromium: webgpu ${passed('webgpu')}/${BROWSER_CASES.length}, wasm ${passed('wasm')}/${BROWSER_CASES.length} layer types train`,
      `chromium: ${report.userAgent}`,
      `time: bundle ${fmt(timings.bundle)}, launch ${fmt(timings.launch)}, load ${fmt(timings.load)}, ` +
        `page run ${fmt(timings.run)} (webgpu ${fmt(report.webgpu.ms)}, wasm ${fmt(report.wasm.ms)})`,
      ...[...verdicts].filter(([, v]) => typeof v === 'string' || v.problems.length).map(([k, v]) => `  ${k}: ${typeof v === 'string' ? v : v.problems[0]}`),
    ].join('\n'),
  );
  writeRecord('browser', {
    userAgent: report.userAgent,
    flags: CHROMIUM_ARGS,
    adapters: { webgpu: report.webgpu.info, wasm: report.wasm.info },
    timingsMs: { ...timings, webgpu: report.webgpu.ms, wasm: report.wasm.ms },
    tolerance: TOLERANCE,
    passed: { webgpu: passed('webgpu'), wasm: passed('wasm'), total: BROWSER_CASES.length },
    cases: Object.fromEntries([...verdicts].map(([k, v]) => [k, typeof v === 'string' ? { pass: false, error: v } : { pass: v.problems.length === 0, ...v }])),
  });
  return { run, cpu, verdicts };
}
const browser = () => (pending ??= start());

describe('layer coverage in headless Chromium (SwiftShader WebGPU, wasm)', () => {
  it('activates webgpu and wasm through their adapters in the page', async () => {
    const { report } = (await browser()).run;
    expect(report.webgpu.backend).toBe('webgpu');
    expect(report.wasm.backend).toBe('wasm');
  }, 240_000);

  for (const backend of BACKENDS) {
    for (const name of BROWSER_CASES) {
      it(`${name} trains one step on ${backend} in Chromium and agrees with cpu in Node`, async () => {
        const verdict = (await browser()).verdicts.get(`${backend}/${name}`);
        if (typeof verdict === 'string' || verdict === undefined) throw new Error(verdict ?? 'the page reported no result');
        expect(verdict.problems).toEqual([]);
      }, 240_000);
    }
  }
});
