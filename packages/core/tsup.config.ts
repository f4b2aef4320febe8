import { defineConfig } from 'tsup';
import { tfjsCorePublicApi } from './tfjs-core-public.ts';

export default defineConfig({
  entry: ['src/index.ts', 'src/testing.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  // tfjs-core ships its gradient registrations as extensionless ESM that Node
  // cannot load: they are bundled, their imports rewritten to tfjs-core's public entry.
  noExternal: [/@tensorflow\/tfjs-core\/dist\/(register_all_gradients|public\/chained_ops\/register_all_chained_ops)/],
  esbuildPlugins: [tfjsCorePublicApi],
});
