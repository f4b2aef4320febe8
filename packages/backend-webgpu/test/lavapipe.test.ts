import { driverSuite } from './suite.js';

// lavapipe reports itself as llvmpipe, Mesa's software rasterizer it is built on.
driverSuite('lavapipe', { driver: 'lavapipe', pattern: /llvmpipe.*Mesa/i, float16: true });
