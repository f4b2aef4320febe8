import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/testing.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  // tfjs-core ships its gradient registrations as extensionless ESM that Node
  // cannot load; bundling them is the only way to make gradients just work.
  noExternal: [/@tensorflow\/tfjs-core\/dist\/(register_all_gradients|public\/chained_ops\/register_all_chained_ops)/],
});
