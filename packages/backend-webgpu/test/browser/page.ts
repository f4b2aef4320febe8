// The page script of the browser test, bundled by esbuild from the built
// packages. It runs the workload on webgpu and then on wasm, each activated
// through its Descent adapter, and hands both results back to the test.
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendAdapter, type BackendCapabilities } from '@descent/core';
import { webgpuAdapter } from '@descent/backend-webgpu';
import { wasmAdapter } from '@descent/backend-wasm';
import { runWorkload, type WorkloadResult } from './workload.js';
import { runOptimSteps } from './optim-step.js';

// The little of WebGPU the page reads (lib.dom's WebGPU types are incomplete).
interface GpuAdapterLike {
  readonly info?: Record<string, unknown>;
  readonly isFallbackAdapter?: boolean;
  readonly features: Iterable<string>;
  requestAdapterInfo?: () => Promise<Record<string, unknown>>;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}

export interface BackendRun {
  /** `tf.getBackend()` after `useBackend(adapter)`. */
  backend: string;
  capabilities: BackendCapabilities;
  result: WorkloadResult;
  ms: number;
}

export interface PageReport {
  userAgent: string;
  crossOriginIsolated: boolean;
  /** What `navigator.gpu.requestAdapter()` reports, before tfjs touches it. */
  gpuAdapter: { info: Record<string, string>; features: string[] };
  webgpu: BackendRun;
  wasm: BackendRun;
}

const INFO_KEYS = ['vendor', 'architecture', 'device', 'description', 'subgroupMinSize', 'subgroupMaxSize', 'isFallbackAdapter'];

async function describeGpu(): Promise<PageReport['gpuAdapter']> {
  const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
  if (!gpu) throw new Error(`navigator.gpu is undefined: this browser exposes no WebGPU (secure context: ${isSecureContext})`);
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('navigator.gpu.requestAdapter() returned null: no WebGPU adapter is available');
  const raw = adapter.info ?? (adapter.requestAdapterInfo ? await adapter.requestAdapterInfo() : {});
  const info: Record<string, string> = {};
  // GPUAdapterInfo's fields are getters on its prototype, so copy them by name.
  for (const key of INFO_KEYS) {
    const value = (raw as Record<string, unknown>)[key];
    if (value !== undefined) info[key] = String(value);
  }
  if (adapter.isFallbackAdapter !== undefined) info.isFallbackAdapter = String(adapter.isFallbackAdapter);
  return { info, features: [...adapter.features].sort() };
}

async function runOn(adapter: BackendAdapter): Promise<BackendRun> {
  const start = performance.now();
  const active = await useBackend(adapter);
  const backend = tf.getBackend();
  if (backend !== adapter.backendName) {
    throw new Error(`useBackend(${adapter.name}) left tfjs on backend ${JSON.stringify(backend)}, not ${JSON.stringify(adapter.backendName)}`);
  }
  const result = await runWorkload();
  // A JSON round trip keeps only plain data in the report.
  const capabilities = JSON.parse(JSON.stringify(active.capabilities)) as BackendCapabilities;
  return { backend, capabilities, result, ms: performance.now() - start };
}

async function run(): Promise<PageReport> {
  const gpuAdapter = await describeGpu();
  const webgpu = await runOn(webgpuAdapter);
  const wasm = await runOn(wasmAdapter);
  return { userAgent: navigator.userAgent, crossOriginIsolated, gpuAdapter, webgpu, wasm };
}

/** What the cross-origin isolated page reports: wasm with threads. */
export interface ThreadsReport {
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  backend: string;
  capabilities: BackendCapabilities;
  /** The parameter after runOptimSteps(). */
  param: number[];
  /** Tensors alive after a second run minus before it. */
  leaked: number;
}

async function runThreads(): Promise<ThreadsReport> {
  const active = await useBackend(wasmAdapter);
  await runOptimSteps(); // warm-up: the first steps make cached scalars that stay
  const before = tf.memory().numTensors;
  const param = await runOptimSteps();
  return {
    crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency,
    backend: tf.getBackend(),
    capabilities: JSON.parse(JSON.stringify(active.capabilities)) as BackendCapabilities,
    param,
    leaked: tf.memory().numTensors - before,
  };
}

// The test calls these through page.evaluate once the module has loaded.
Object.assign(globalThis, { descentBrowserTest: run, descentThreadsTest: runThreads });
