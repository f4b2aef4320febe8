import * as tf from '@tensorflow/tfjs-core';
import * as optim from './index.js';

/** One case of a torch fixture file (tools/gen_optim_fixtures.py): an optimizer, its groups, and torch's parameters after each step. */
export interface TorchParityCase {
  name: string;
  optimizer: string;
  defaults: Record<string, unknown>;
  groups: Array<{ params: number[] } & Record<string, unknown>>;
  shapes: number[][];
  init: number[][];
  grads: Array<Array<number[] | null>>;
  expected: number[][][];
}

/** A torch fixture file, as JSON.parse gives it. */
export interface TorchParityFixtures {
  torch: string;
  steps: number;
  cases: TorchParityCase[];
}

/** Float32 tolerance of the torch replays: `|a - b| <= PARITY_ATOL + PARITY_RTOL |b|`. */
export const PARITY_RTOL = 1e-5;
export const PARITY_ATOL = 1e-6;

type Ctor = new (params: unknown, options: Record<string, unknown>) => optim.Optimizer<optim.BaseOptions>;

let counter = 0;

/**
 * Replays one torch case on the active backend, through the fused kernels
 * (`fused: true`, so a missing kernel fails) or the composite fallback; returns
 * the first mismatch (empty when every step agrees).
 */
export async function replayTorchCase(c: TorchParityCase, fused: boolean): Promise<string[]> {
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
          if (!(Math.abs(got[j] - want[j]) <= PARITY_ATOL + PARITY_RTOL * Math.abs(want[j]))) {
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

/** One test per case, through the fused kernels and then the composite fallback, named as Descent's parity suites name them; `run` resolves to replayTorchCase's mismatches. */
export function torchParityTests(fixtures: TorchParityFixtures): Array<{ name: string; run: () => Promise<string[]> }> {
  return fixtures.cases.flatMap((c) =>
    [true, false].map((fused) => ({
      name: `${c.name} (${c.optimizer}, ${fused ? 'fused kernel' : 'fallback'}): ${c.grads.length} steps, 2 groups`,
      run: () => replayTorchCase(c, fused),
    })),
  );
}
