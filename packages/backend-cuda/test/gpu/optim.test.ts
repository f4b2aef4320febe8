// Every optim kernel against its fallback on the GPU (the property harness, every
// flag combination), then @descent/optim's torch fixtures replayed through them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { assertKernelMatchesFallback } from '@descent/core/testing';
import { kernelCases, torchParityTests, type TorchParityFixtures } from '@descent/optim/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { startCuda } from './start.js';

const fixtures = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'optim', 'test', 'fixtures', 'optim.json'), 'utf8')) as TorchParityFixtures;

beforeAll(startCuda);

describe('optim kernels on tensorflow (GPU) match their fallbacks', () => {
  for (const { op, generate } of kernelCases()) {
    it(op.name, async () => {
      expect(op.hasKernel('tensorflow')).toBe(true);
      const before = tf.memory().numTensors;
      const report = await assertKernelMatchesFallback(op, { backend: 'tensorflow', generate, runs: 32 });
      expect(report.mismatches).toEqual([]);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe(`torch ${fixtures.torch} parity on tensorflow (GPU)`, () => {
  for (const t of torchParityTests(fixtures)) {
    it(t.name, async () => {
      expect(tf.getBackend()).toBe('tensorflow');
      expect(await t.run()).toEqual([]);
    });
  }
});
