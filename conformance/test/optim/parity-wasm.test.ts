import { registerAdapter } from '@descent/core';
// core's useBackend('wasm') cannot resolve the package from core's own folder, so name the adapter explicitly.
import { wasmAdapter } from '@descent/backend-wasm';
import { runParitySuite } from './parity-suite.js';

registerAdapter('wasm', wasmAdapter);
runParitySuite('wasm');
