import { defineConfig } from 'vite';
import { mnistData } from './mnist-data-plugin.ts';

export default defineConfig({
  plugins: [mnistData()],
  build: {
    target: 'es2022',
    // tfjs with its webgpu and wasm backends is one large chunk by nature.
    chunkSizeWarningLimit: 4096,
  },
});
