// npm start [-- --loop trainer] [--quick] [--tfjs-node] ...: the seed recipe on CUDA through
// @tensorflow/tfjs-node-gpu 4.22.0 (libtensorflow 2.9.1, CUDA 11.2, cuDNN 8.1); README.md says what to install.
// --tfjs-node runs the same on @tensorflow/tfjs-node, the CPU build of libtensorflow.
import { registerAdapter } from '@descent/core';
import { createCudaAdapter, CudaBackendError } from '@descent/backend-cuda';
import { parseRecipeArgs, runRecipe } from '@descent-examples/node-wasm';

const args = process.argv.slice(2);
const cpu = args.includes('--tfjs-node');
const options = parseRecipeArgs(
  args.filter((a) => a !== '--tfjs-node'),
  { backend: 'cuda' },
);
// tfjs-node-gpu is this app's dependency: resolve it from the app's folder. useBackend('cuda') gets this adapter.
registerAdapter('cuda', createCudaAdapter({ package: cpu ? 'tfjs-node' : 'tfjs-node-gpu', resolveFrom: new URL('..', import.meta.url).pathname }));

try {
  await runRecipe(options);
} catch (err) {
  if (!(err instanceof CudaBackendError)) throw err;
  // What is missing and how to install it, without a stack trace.
  console.error(`node-cuda: ${err.code}: ${err.message}`);
  process.exitCode = 1;
}
