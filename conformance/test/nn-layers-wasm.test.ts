// nn's layer kernels on tfjs-wasm through the Descent wasm adapter, against cpu in the same process.
import { wasmAdapter } from '@descent/backend-wasm';
import { nnLayersSuite } from './nn-layers/suite.js';

nnLayersSuite('wasm', wasmAdapter);
