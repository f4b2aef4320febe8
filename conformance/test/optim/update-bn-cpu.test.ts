// updateBn on @descent/nn's batch norms on the cpu backend (wasm and webgpu run it in their parity suites).
import '@tensorflow/tfjs-backend-cpu';
import { updateBnSuite } from './update-bn-suite.js';

updateBnSuite('cpu');
