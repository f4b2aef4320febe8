// Layer coverage on tfjs's cpu backend: every case trains, and a second run
// on cpu gives the same numbers as the first (the cases are deterministic).
import { cpuAdapter } from '@descent/core';
import { layerCoverageSuite } from './layers/suite.js';

layerCoverageSuite('cpu', cpuAdapter);
