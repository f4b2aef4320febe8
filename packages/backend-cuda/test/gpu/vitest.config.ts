import { defineProject } from 'vitest/config';

// The GPU suite: run on a machine with an NVIDIA GPU, tfjs-node-gpu 4.22.0 installed with its
// install script run, CUDA 11.2 and cuDNN 8.1 (`npm run test:gpu` in packages/backend-cuda).
// Not part of the default project: it fails, on purpose, wherever libtensorflow cannot load.
export default defineProject({
  test: {
    name: 'backend-cuda-gpu',
    root: import.meta.dirname,
    include: ['**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    server: { deps: { inline: [/tfjs-core[\\/]dist[\\/](register_all_gradients|gradients|public[\\/]chained_ops)/] } },
  },
});
