import { fileURLToPath } from 'node:url';
import { project } from '../../vitest.shared';

export default project('backend-wasm', {
  // In an app, @descent/core finds this package in node_modules; in the
  // monorepo core cannot see it, so point its useBackend('wasm') import here.
  alias: { '@descent/backend-wasm': fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
});
