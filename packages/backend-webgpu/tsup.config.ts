import { defineConfig } from 'tsup';

export default defineConfig({
  // browser.ts is index.ts without the Node (Dawn) path; the exports map's
  // "browser" condition picks it, so bundlers never meet the `webgpu` package.
  // testing.ts (./testing): the software Vulkan drivers tests pick, Node only.
  entry: ['src/index.ts', 'src/browser.ts', 'src/testing.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
});
