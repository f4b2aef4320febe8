import { registerAdapter } from '@descent/core';
// The adapter from source: core's useBackend('wasm') cannot resolve the package
// from here (@descent/optim does not depend on it), so name it explicitly.
import { wasmAdapter } from '../../backend-wasm/src/index.js';
import { runParitySuite } from './parity-suite.js';

registerAdapter('wasm', wasmAdapter);
runParitySuite('wasm');
