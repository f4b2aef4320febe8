// The Adam-step benchmark on the GPU through tfjs-node-gpu: Descent's Adam (its
// tensorflow kernel), tf.train.adam on the same backend, and PyTorch's Adam
// (foreach, fused) on the same GPU when python3 has torch with CUDA.
//   npm run bench:gpu [-- 1000000 10000000]     (prints a markdown table, then the figures as one JSON line)
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@descent/core';
import * as optim from '@descent/optim';
import { cudaAdapter } from '@descent/backend-cuda';
import { adamTable, benchAdam, torchAdam } from '../../../../scripts/gpu-check/adam-bench.mjs';

const sizes = process.argv.slice(2).map(Number);
if (sizes.length === 0) sizes.push(1_000_000, 10_000_000);
const adapter = await useBackend(cudaAdapter);
const rows = await benchAdam(tf, optim, { sizes });
const torch = torchAdam(join(import.meta.dirname, '..', '..', '..', '..', 'scripts', 'gpu-check', 'torch_adam.py'), sizes);
const result = { when: new Date().toISOString(), adapter: adapter.capabilities.info, rows, torch };
console.log(`One Adam step, ${adapter.capabilities.info.gpuName} (${adapter.capabilities.info.libtensorflow}); PyTorch: ${torch.info ? `${torch.info.torch} on ${torch.info.device}` : torch.error}\n`);
console.log(adamTable(rows, torch));
console.log(JSON.stringify(result));
