import { useBackend } from '@descent/core';
import { wasmAdapter } from '@descent/backend-wasm';
import { runConvParitySuite } from './conv-parity/suite.js';

runConvParitySuite('wasm', 'wasm', async () => {
  await useBackend(wasmAdapter);
});
