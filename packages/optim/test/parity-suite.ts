// Replays the torch fixtures (tools/gen_optim_fixtures.py) on any backend.
// A per-backend test file calls runParitySuite('<backend>'): each case runs once
// through the backend's fused kernels (fused: true, so a missing kernel fails)
// and once through the composite fallback (fused: false).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@descent/core';
import { beforeAll, describe, expect, it } from 'vitest';
import * as optim from '../src/index.js';

export interface FixtureCase {
  name: string;
  optimizer: string;
  defaults: Record<string, unknown>;
  groups: Array<{ params: number[] } & Record<string, unknown>>;
  shapes: number[][];
  init: number[][];
  grads: Array<Array<number[] | null>>;
  expected: number[][][];
}

export const fixtures = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'optim.json'), 'utf8')) as {
  torch: string;
  steps: number;
  cases: FixtureCase[];
};

type Ctor = new (params: unknown, options: Record<string, unknown>) => optim.Optimizer<optim.BaseOptions>;

/** Float32 tolerance: `|a - b| <= ATOL + RTOL |b|`. */
export const RTOL = 1e-5;
export const ATOL = 1e-6;

let counter = 0;

/** Runs one fixture case; returns the worst mismatch (empty when all steps agree). */
export async function replay(c: FixtureCase, fused: boolean): Promise<string[]> {
  const id = `${c.name}_${fused ? 'k' : 'f'}_${counter++}`;
  const vars = c.init.map((values, i) => tf.variable(tf.tensor(values, c.shapes[i], 'float32'), true, `${id}/p${i}`));
  const groups = c.groups.map(({ params, ...options }) => ({ ...options, params: params.map((i) => vars[i]) }));
  const Cls = (optim as unknown as Record<string, Ctor>)[c.optimizer];
  const opt = new Cls(groups, { ...c.defaults, fused });
  const problems: string[] = [];
  try {
    for (let step = 0; step < c.grads.length; step++) {
      const grads: tf.NamedTensorMap = {};
      c.grads[step].forEach((g, i) => {
        if (g) grads[vars[i].name] = tf.tensor(g, c.shapes[i], 'float32');
      });
      opt.step(grads);
      tf.dispose(Object.values(grads));
      for (let i = 0; i < vars.length; i++) {
        const got = await vars[i].data();
        const want = c.expected[step][i];
        for (let j = 0; j < want.length; j++) {
          if (!(Math.abs(got[j] - want[j]) <= ATOL + RTOL * Math.abs(want[j]))) {
            problems.push(`step ${step + 1} param ${i}[${j}]: got ${got[j]}, torch ${want[j]}`);
            break;
          }
        }
      }
      if (problems.length > 0) break;
    }
  } finally {
    opt.dispose();
    vars.forEach((v) => v.dispose());
  }
  return problems;
}

export interface ParitySuiteOptions {
  /** Also require and check the backend's fused kernels (default true). */
  kernels?: boolean;
  /** Also check the composite fallback (default true). */
  fallback?: boolean;
}

/** Declares the parity tests for `backendName` (a name `useBackend` knows). */
export function runParitySuite(backendName: string, options: ParitySuiteOptions = {}): void {
  const modes = [...(options.kernels !== false ? [true] : []), ...(options.fallback !== false ? [false] : [])];
  describe(`torch ${fixtures.torch} parity on ${backendName}`, () => {
    beforeAll(async () => {
      await useBackend(backendName);
      if (backendName === 'cpu') optim.registerCpuKernels();
    });
    for (const c of fixtures.cases) {
      for (const fused of modes) {
        it(`${c.name} (${c.optimizer}, ${fused ? 'fused kernel' : 'fallback'}): ${c.grads.length} steps, 2 groups`, async () => {
          expect(tf.getBackend()).toBe(backendName);
          expect(await replay(c, fused)).toEqual([]);
        });
      }
    }
  });
}
