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
    const plural = (n: unknown) => `${String(n)} thread${n === 1 ? '' : 's'}`;
    report.summary = `WebAssembly${i.simd ? ' SIMD' : ' (no SIMD)'}, Descent's GEMM and optimizer kernels on ${plural(i.optimThreads)}, XNNPACK on ${plural(i.xnnpackThreads)}`;
    report.found.push(
      ['SIMD', String(i.simd)],
      ['threads', String(i.threads)],
      ['XNNPACK threads', String(i.xnnpackThreads)],
      ['kernel pool (GEMM, optimizers)', i.optimKernels ? `on ${String(i.optimThreads)} thread(s)` : 'composite fallbacks'],
    );
    if (i.wasmFolder) report.found.push(['.wasm files', String(i.wasmFolder)]);
  } catch (err) {
    report.missing.push(fromError('the wasm backend did not start', err));
  }
  return report;
}
