import { runParitySuite } from './parity-suite.js';

runParitySuite('cpu');
