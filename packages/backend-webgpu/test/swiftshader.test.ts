import { driverSuite } from './suite.js';

driverSuite('swiftshader', { driver: 'SwiftShader', pattern: /swiftshader/i, float16: false });
