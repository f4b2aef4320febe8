import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  // The CJS build needs a real import.meta.url only as a fallback, but the shim keeps esbuild from emptying it.
  shims: true,
});
