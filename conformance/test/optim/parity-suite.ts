// @descent/optim's torch fixtures (tools/gen_optim_fixtures.py, read from
// packages/optim/test/fixtures/optim.json) replayed on another package's backend:
// each case once through the backend's fused kernels (fused: true, so a missing
// kernel fails) and once through the composite fallback. optim's own tests replay
// them on cpu.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@descent/core';
import { torchParityTests, type TorchParityFixtures } from '@descent/optim/testing';
import { beforeAll, describe, expect, it } from 'vitest';

const fixturePath = join(import.meta.dirname, '..', '..', '..', 'packages', 'optim', 'test', 'fixtures', 'optim.json');
const fixtures = JSON.parse(readFileSync(fixturePath, 'utf8')) as TorchParityFixtures;

/** Declares the parity tests for `backendName`, an adapter already registered under that name. */
export function runParitySuite(backendName: string): void {
  describe(`torch ${fixtures.torch} parity on ${backendName}`, () => {
    beforeAll(async () => {
      await useBackend(backendName);
    });
    for (const t of torchParityTests(fixtures)) {
      it(t.name, async () => {
        expect(tf.getBackend()).toBe(backendName);
        expect(await t.run()).toEqual([]);
      });
    }
  });
}
