import { useBackend } from '@descent/core';
import { runConvParitySuite } from './conv-parity/suite.js';

runConvParitySuite('cpu', 'cpu', async () => {
  await useBackend('cpu');
});
