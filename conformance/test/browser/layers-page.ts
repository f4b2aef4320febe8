// The page script of the layer-coverage browser test, bundled by esbuild from
// the built packages: trains each of BROWSER_CASES one step on webgpu and then
// on wasm, each activated through its Descent adapter, and hands the numbers
// back to the test, which compares them with cpu in Node.
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendAdapter } from '@descent/core';
import { webgpuAdapter } from '@descent/backend-webgpu';
import { wasmAdapter } from '@descent/backend-wasm';
import { BROWSER_CASES, caseNamed } from '../layers/cases.js';
import { runCase, type CaseResult } from '../layers/run.js';

/** A CaseResult with plain arrays, which survive the trip out of the page. */
export type PlainCaseResult = Omit<CaseResult, 'grads' | 'weights'> & { grads: number[][]; weights: number[][] };

export interface BrowserCaseRun {
  name: string;
  result?: PlainCaseResult;
  /** The case's error, when it did not train. */
  error?: string;
}

export interface BrowserBackendRun {
  backend: string;
  info: Record<string, unknown>;
  cases: BrowserCaseRun[];
  ms: number;
}

export interface LayersPageReport {
  userAgent: string;
  webgpu: BrowserBackendRun;
  wasm: BrowserBackendRun;
}

async function runOn(adapter: BackendAdapter, after?: () => void): Promise<BrowserBackendRun> {
  const start = performance.now();
  await useBackend(adapter);
  const backend = tf.getBackend();
  if (backend !== adapter.backendName) throw new Error(`useBackend(${adapter.name}) left tfjs on ${JSON.stringify(backend)}`);
  after?.();
  const cases: BrowserCaseRun[] = [];
  // One case's failure (a missing kernel) is its own result, not the page's.
  for (const name of BROWSER_CASES) {
    try {
      const r = await runCase(caseNamed(name));
      cases.push({ name, result: { ...r, grads: r.grads.map((g) => Array.from(g)), weights: r.weights.map((w) => Array.from(w)) } });
    } catch (err) {
      cases.push({ name, error: (err as Error).message });
    }
  }
  const info = JSON.parse(JSON.stringify(adapter.capabilities.info)) as Record<string, unknown>;
  return { backend, info, cases, ms: performance.now() - start };
}

async function run(): Promise<LayersPageReport> {
  // As in Node: tfjs-webgpu would otherwise compute small ops on fresh host data on the CPU.
  const webgpu = await runOn(webgpuAdapter, () => tf.env().set('WEBGPU_CPU_FORWARD', false));
  const wasm = await runOn(wasmAdapter);
  return { userAgent: navigator.userAgent, webgpu, wasm };
}

(globalThis as unknown as { descentLayersTest: typeof run }).descentLayersTest = run;
