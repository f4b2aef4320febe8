// cpu: tfjs's plain-JS backend, the last resort; always there with @tensorflow/tfjs-backend-cpu.
import { fromError, type AdapterReport } from './report.js';

export async function checkCpu(): Promise<AdapterReport> {
  const report: AdapterReport = { name: 'cpu', status: 'unavailable', summary: "tfjs's JavaScript backend: always works, much slower (the fallback)", found: [], missing: [] };
  try {
    const { cpuAdapter } = await import('@descent/core');
    await cpuAdapter.init();
    const tf = await import('@tensorflow/tfjs-core');
    report.status = 'ok';
    report.found.push(['@tensorflow/tfjs-core', tf.version_core], ['kernels', "Descent's typed-array convolution and pooling backward kernels"]);
  } catch (err) {
    report.missing.push(fromError('the cpu backend did not start', err));
  }
  return report;
}
