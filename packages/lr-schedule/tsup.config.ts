import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/plot-png.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  // resvg is an optional peer, loaded only by the plot-png entry.
  external: ['@resvg/resvg-js'],
});
