// @descent/optim's torch fixtures (tools/gen_optim_fixtures.py, read from
// packages/optim/test/fixtures/optim.json) replayed on another package's backend:
// each case once through the backend's fused kernels (fused: true, so a missing
// kernel fails) and once through the composite fallback. Then optim2.json
// (tools/gen_optim2_fixtures.py): ASGD, Rprop, Muon, Adafactor and schedule-free
// AdamW the same way (fused, then composite), LBFGS with its closure, and updateBn
// on @descent/nn's batch norms. optim's own tests replay them on cpu.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@descent/core';
import { lbfgsParityTests, torchParityTests, type TorchLbfgsCase, type TorchParityFixtures } from '@descent/optim/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { updateBnSuite } from './update-bn-suite.js';

const fixturePath = join(import.meta.dirname, '..', '..', '..', 'packages', 'optim', 'test', 'fixtures', 'optim.json');
const fixtures = JSON.parse(readFileSync(fixturePath, 'utf8')) as TorchParityFixtures;
const fixtures2 = JSON.parse(readFileSync(join(fixturePath, '..', 'optim2.json'), 'utf8')) as TorchParityFixtures & { lbfgs: TorchLbfgsCase[] };

/** Declares the parity tests for `backendName`, an adapter already registered under that name. */
export function runParitySuite(backendName: string): void {
  const suites = [
    { title: `torch ${fixtures.torch} parity on ${backendName}`, tests: torchParityTests(fixtures) },
    {
      title: `torch ${fixtures2.torch} parity on ${backendName}: ASGD, Rprop, Muon, Adafactor, schedule-free AdamW, LBFGS`,
      tests: [...torchParityTests(fixtures2), ...lbfgsParityTests(fixtures2.lbfgs)],
    },
  ];
  for (const { title, tests } of suites) {
    describe(title, () => {
      beforeAll(async () => {
        await useBackend(backendName);
      });
      for (const t of tests) {
        it(t.name, async () => {
          expect(tf.getBackend()).toBe(backendName);
          expect(await t.run()).toEqual([]);
        });
      }
    });
  }
  updateBnSuite(backendName);
}
