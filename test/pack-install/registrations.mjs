// node registrations.mjs <specifier or file> [baseline specifiers...]: what importing the target registers
// with tfjs (kernels, gradients, tensor methods, backends) beyond what importing the baseline (the
// target package's own Descent dependencies) already did. The test compares a package's import with
// its esbuild bundle.
import * as tf from '@tensorflow/tfjs-core';

function snapshot() {
  const globals = globalThis._tfGlobals;
  if (!(globals instanceof Map)) throw new Error('tfjs-core 4 keeps its registries in globalThis._tfGlobals: not found');
  return {
    kernels: [...(globals.get('kernelRegistry')?.keys() ?? [])],
    gradients: [...(globals.get('gradRegistry')?.keys() ?? [])],
    tensorMethods: Object.getOwnPropertyNames(tf.Tensor.prototype),
    backends: Object.keys(tf.engine().registryFactory),
  };
}

const url = (target) => (target.startsWith('.') || target.startsWith('/') ? new URL(target, `file://${process.cwd()}/`).href : target);
const [target, ...baseline] = process.argv.slice(2);
for (const dep of baseline) await import(url(dep));
const before = snapshot();
await import(url(target));
const after = snapshot();
const added = Object.fromEntries(Object.keys(before).map((key) => [key, after[key].filter((name) => !before[key].includes(name)).sort()]));
console.log(`RESULT ${JSON.stringify(added)}`);
