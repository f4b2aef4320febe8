// cuda: @descent/backend-cuda on tfjs-node-gpu (libtensorflow 2.9.1, CUDA 11.2,
// cuDNN 8.1). Nothing is loaded in this process: the package's files, the CUDA
// libraries, the driver, and libtensorflow's own startup log from a child process.
import { fromError, type AdapterReport } from './report.js';

/** What each CudaBackendError code says is missing. */
const WHAT: Record<string, string> = {
  'package-missing': '@tensorflow/tfjs-node-gpu 4.22.0',
  'package-version': '@tensorflow/tfjs-node-gpu at version 4.22.0',
  'package-dependency': "a dependency of @tensorflow/tfjs-node-gpu",
  'addon-missing': "@tensorflow/tfjs-node-gpu's native addon (its install script did not run)",
  'addon-invalid': "a loadable @tensorflow/tfjs-node-gpu native addon",
  'libtensorflow-missing': 'libtensorflow 2.9.1',
  'system-too-old': 'a newer glibc/libstdc++',
  'cuda-libraries': 'the CUDA 11.2 and cuDNN 8.1 libraries',
  'no-gpu': 'a usable NVIDIA GPU and driver',
  'cpu-build': 'a GPU build of libtensorflow',
  'tfjs-core-mismatch': 'one @tensorflow/tfjs-core 4.22.0',
  'load-failed': 'a working @tensorflow/tfjs-node-gpu',
};

export async function checkCuda(): Promise<AdapterReport> {
  const report: AdapterReport = { name: 'cuda', status: 'unavailable', summary: 'CUDA through @tensorflow/tfjs-node-gpu 4.22.0 (libtensorflow 2.9.1, CUDA 11.2, cuDNN 8.1)', found: [], missing: [] };
  let cuda: typeof import('@descent/backend-cuda');
  try {
    cuda = await import('@descent/backend-cuda');
  } catch (err) {
    report.missing.push({ what: '@descent/backend-cuda', fix: `npm install @descent/backend-cuda @tensorflow/tfjs-node-gpu@4.22.0 (${(err as Error).message.split('\n')[0]})` });
    return report;
  }
  const d = cuda.diagnoseCuda({ probe: true });
  if (d.installed) report.found.push([d.installed.name, `${d.installed.version} at ${d.installed.dir}`], ['native addon', `${d.installed.addonPath}${d.installed.addonExists ? '' : ' (missing)'}`]);
  if (d.otherBuild) report.found.push([`${d.otherBuild.name} (CPU build)`, `${d.otherBuild.version} at ${d.otherBuild.dir}`]);
  for (const lib of d.libraries.libraries) if (lib.loadable) report.found.push([lib.file, lib.loadable]);
  if (d.libraries.driverLibrary) report.found.push(['NVIDIA driver library', d.libraries.driverLibrary]);
  if (d.driver.driverVersion) report.found.push(['NVIDIA driver', d.driver.driverVersion]);
  for (const g of d.driver.gpus) report.found.push([`GPU ${g.index}`, `${g.name}, ${g.memoryMiB ?? '?'} MiB, compute capability ${g.computeCapability ?? 'unknown'}`]);
  if (d.driver.nvidiaSmiError) report.found.push(['nvidia-smi', d.driver.nvidiaSmiError]);
  if (d.probe?.ok) {
    report.found.push(['libtensorflow', `${d.probe.tfVersion} on the ${d.probe.usingGpu ? 'GPU' : 'CPU'}`]);
    for (const dev of d.probe.log.devices) report.found.push([`TensorFlow GPU:${dev.index}`, `${dev.name}, ${dev.memoryMB} MB, compute capability ${dev.computeCapability}`]);
  }
  for (const p of d.problems) report.missing.push(fromError(WHAT[p.code] ?? p.code, p));
  if (d.ok) {
    report.status = 'ok';
    const dev = d.probe?.log.devices[0];
    if (dev) report.summary = `CUDA on ${dev.name} (compute capability ${dev.computeCapability}) through libtensorflow ${d.probe?.tfVersion}`;
  }
  return report;
}
