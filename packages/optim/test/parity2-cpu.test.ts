// Replays tools/gen_optim2_fixtures.py's torch fixtures on cpu: ASGD and Rprop
// (torch 1.13 itself), Muon, Adafactor and schedule-free AdamW (cited
// transcriptions), through their composite ops. The same replay on wasm and
// webgpu is in conformance/test/optim/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@descent/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { lbfgsParityTests, torchParityTests, type TorchLbfgsCase, type TorchParityFixtures } from '../src/testing.js';

const fixtures = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'optim2.json'), 'utf8')) as TorchParityFixtures & { lbfgs: TorchLbfgsCase[] };

describe(`torch ${fixtures.torch} parity on cpu: ASGD, Rprop, Muon, Adafactor, schedule-free AdamW`, () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });
  for (const t of torchParityTests(fixtures)) {
    it(t.name, async () => {
      expect(tf.getBackend()).toBe('cpu');
      expect(await t.run()).toEqual([]);
    });
  }
});

describe(`torch ${fixtures.torch} parity on cpu: LBFGS`, () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });
  for (const t of lbfgsParityTests(fixtures.lbfgs)) {
    it(t.name, async () => {
      expect(await t.run()).toEqual([]);
    });
  }
});
