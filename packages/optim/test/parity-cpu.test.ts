// Replays the torch fixtures (tools/gen_optim_fixtures.py) on cpu: each case runs
// once through optim's cpu kernels (fused: true, so a missing kernel fails) and
// once through the composite fallback (fused: false). The same replay on wasm and
// webgpu is in conformance/test/optim/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { registerCpuFusedKernels, useBackend } from '@descent/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { torchParityTests, type TorchParityFixtures } from '../src/testing.js';

const fixtures = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'optim.json'), 'utf8')) as TorchParityFixtures;

describe(`torch ${fixtures.torch} parity on cpu`, () => {
  beforeAll(async () => {
    await useBackend('cpu');
    registerCpuFusedKernels();
  });
  for (const t of torchParityTests(fixtures)) {
    it(t.name, async () => {
      expect(tf.getBackend()).toBe('cpu');
      expect(await t.run()).toEqual([]);
    });
  }
});
