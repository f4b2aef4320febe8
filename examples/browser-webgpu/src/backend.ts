// WebGPU first; where the browser has none (or no usable adapter), wasm with a
// notice that says why. `?backend=wasm` picks wasm on purpose.
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendAdapter } from '@descent/core';
import { webgpuAdapter } from '@descent/backend-webgpu';
import { createWasmAdapter } from '@descent/backend-wasm';
// Vite copies the .wasm files into the build and gives their URLs.
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

export type BackendName = 'webgpu' | 'wasm';

export interface ActiveBackend {
  name: BackendName;
  adapter: BackendAdapter;
  /** Why the page is not on WebGPU, when it fell back. */
  fallbackReason?: string;
  /** Label and value rows for the backend panel. */
  details: Array<[string, string]>;
}

const wasmAdapter = createWasmAdapter({
  wasmPaths: { 'tfjs-backend-wasm.wasm': wasmUrl, 'tfjs-backend-wasm-simd.wasm': simdUrl, 'tfjs-backend-wasm-threaded-simd.wasm': threadedSimdUrl },
});

const yesNo = (v: unknown) => (v ? 'yes' : 'no');

function webgpuDetails(adapter: BackendAdapter): Array<[string, string]> {
  const info = adapter.capabilities.info as Record<string, string | boolean>;
  const limits = adapter.capabilities.limits;
  const rows: Array<[string, string]> = [
    ['Adapter', String(info.driver)],
    ['Vendor', String(info.vendor || '–')],
    ['Architecture', String(info.architecture || '–')],
    ['Device', String(info.description || info.device || '–')],
    ['Fallback adapter', yesNo(info.isFallbackAdapter)],
    ['shader-f16', yesNo(adapter.capabilities.float16)],
  ];
  if (limits.maxBufferSize) rows.push(['Max buffer', `${Math.round(limits.maxBufferSize / 2 ** 20)} MiB`]);
  rows.push(['Features', String(info.features || '–').replaceAll(',', ', ')]);
  return rows;
}

function wasmDetails(adapter: BackendAdapter): Array<[string, string]> {
  const info = adapter.capabilities.info as Record<string, unknown>;
  return [
    ['SIMD', yesNo(info.simd)],
    ['Threads', String(info.threads ?? 1)],
    ['Cross-origin isolated', yesNo(globalThis.crossOriginIsolated)],
    ['Optimizer kernels', info.optimKernels ? `wasm, ${String(info.optimThreads)} thread(s)` : 'tfjs ops'],
  ];
}

async function startWasm(): Promise<BackendAdapter> {
  return useBackend(wasmAdapter);
}

export async function startBackend(requested: BackendName): Promise<ActiveBackend> {
  if (requested === 'webgpu') {
    try {
      const adapter = await useBackend(webgpuAdapter);
      // Keep small ops on the GPU too (tfjs-webgpu would run them on the CPU, costing a read each).
      tf.env().set('WEBGPU_CPU_FORWARD', false);
      return { name: 'webgpu', adapter, details: webgpuDetails(adapter) };
    } catch (err) {
      const adapter = await startWasm();
      return { name: 'wasm', adapter, fallbackReason: (err as Error).message, details: wasmDetails(adapter) };
    }
  }
  const adapter = await startWasm();
  return { name: 'wasm', adapter, details: wasmDetails(adapter) };
}
