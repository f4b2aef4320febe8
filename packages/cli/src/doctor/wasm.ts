// wasm: start tfjs-backend-wasm through @descent/backend-wasm and report what it runs with.
import { fromError, type AdapterReport } from './report.js';

export async function checkWasm(): Promise<AdapterReport> {
  const report: AdapterReport = { name: 'wasm', status: 'unavailable', summary: 'WebAssembly SIMD + XNNPACK (the default backend)', found: [], missing: [] };
  try {
    const { createWasmAdapter } = await import('@descent/backend-wasm');
    const adapter = createWasmAdapter();
    await adapter.init();
    const i = adapter.capabilities.info;
    report.status = 'ok';
    report.summary = `WebAssembly${i.simd ? ' SIMD' : ' (no SIMD)'}, XNNPACK on ${i.threads} thread${i.threads === 1 ? '' : 's'}, optimizer kernels on ${i.optimThreads}`;
    report.found.push(['SIMD', String(i.simd)], ['threads', String(i.threads)], ['optimizer kernels', i.optimKernels ? `on ${i.optimThreads} thread(s)` : 'composite fallbacks']);
    if (i.wasmFolder) report.found.push(['.wasm files', String(i.wasmFolder)]);
  } catch (err) {
    report.missing.push(fromError('the wasm backend did not start', err));
  }
  return report;
}
