// Layer coverage on tfjs-wasm through the Descent wasm adapter, against cpu in the same process.
import { wasmAdapter } from '@descent/backend-wasm';
import { layerCoverageSuite } from './layers/suite.js';

layerCoverageSuite('wasm', wasmAdapter);
