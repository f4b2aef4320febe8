// webgpu: Dawn (the `webgpu` package) on Vulkan in Node. Reports the Vulkan setup
// from disk, then starts the adapter and reports the GPU it got, with shader-f16.
import { createRequire } from 'node:module';
import { fromError, type AdapterReport } from './report.js';
import { vulkanSetup } from './vulkan.js';

function dawnVersion(): string | undefined {
  try {
    const fromWebgpu = createRequire(createRequire(import.meta.url).resolve('@descent/backend-webgpu/package.json'));
    return (fromWebgpu('webgpu/package.json') as { version: string }).version;
  } catch {
    return undefined;
  }
}

export async function checkWebgpu(): Promise<AdapterReport> {
  const report: AdapterReport = { name: 'webgpu', status: 'unavailable', summary: 'WebGPU through Dawn on Vulkan', found: [], missing: [] };
  const dawn = dawnVersion();
  if (dawn) report.found.push(['Dawn', `webgpu ${dawn} (${process.platform}-${process.arch})`]);
  else report.missing.push({ what: "Dawn's Node binding (the webgpu package)", fix: 'npm install webgpu' });
  if (process.platform === 'linux') {
    const vk = vulkanSetup();
    if (vk.loader) report.found.push(['Vulkan loader', vk.loader]);
    else report.missing.push({ what: 'the Vulkan loader libvulkan.so.1', fix: 'apt-get install libvulkan1 (Debian/Ubuntu)' });
    const usable = vk.icds.filter((i) => !i.error && i.libraryExists !== false);
    for (const icd of vk.icds) {
      const state = icd.error ?? (icd.libraryExists === false ? `points at ${icd.library}, which does not exist` : icd.library);
      report.found.push([`Vulkan driver${vk.selectedBy ? ` (${vk.selectedBy})` : ''}`, `${icd.path}: ${state}`]);
    }
    if (usable.length === 0) {
      report.missing.push({
        what: 'a Vulkan driver (ICD)',
        fix: 'with an NVIDIA/AMD/Intel GPU, its driver; without one, a software driver: lavapipe from Mesa >= 25 (mesa-vulkan-drivers) or SwiftShader, selected with VK_ICD_FILENAMES=<its ICD json>',
      });
    }
  }
  try {
    const { webgpuAdapter } = await import('@descent/backend-webgpu');
    await webgpuAdapter.init();
    const { info, float16, limits } = webgpuAdapter.capabilities;
    report.status = 'ok';
    report.summary = `WebGPU through ${String(info.runtime)}: ${String(info.description || info.device || info.vendor)} (${String(info.driver)})`;
    report.found.push(
      ['adapter', `${String(info.vendor)} ${String(info.architecture)} ${String(info.device)}`.trim() || 'unnamed'],
      ['driver', String(info.driver)],
      ['description', String(info.description)],
      ['shader-f16', float16 ? 'yes: autocast runs native f16 matmul/conv kernels' : 'no: autocast emulates half precision'],
      ['fallback adapter', String(info.isFallbackAdapter)],
      ['maxStorageBufferBindingSize', String(limits.maxStorageBufferBindingSize ?? 'unknown')],
    );
  } catch (err) {
    report.missing.push(fromError('no WebGPU adapter', err));
  }
  return report;
}
