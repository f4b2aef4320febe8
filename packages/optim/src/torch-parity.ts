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
  /** State tensors after each step, per parameter (null: none yet), by Descent's key (ASGD's `ax`). */
  expectedState?: Array<Array<Record<string, number[]> | null>>;
  /** The weights after `eval()` following each step (schedule-free AdamW), then `train()` again. */
  evalExpected?: number[][][];
  /** torch's own bfloat16 Newton-Schulz (Muon), compared at {@link BF16_RTOL}: Descent runs it in float32. */
  bf16Expected?: number[][][];
}

/** A torch fixture file, as JSON.parse gives it. */
export interface TorchParityFixtures {
  torch: string;
  steps: number;
  cases: TorchParityCase[];
}

/** Float32 tolerance of the torch replays: `|a - b| <= PARITY_ATOL + PARITY_RTOL |b|`. */
export const PARITY_RTOL = 1e-5;
/** See {@link PARITY_RTOL}. */
export const PARITY_ATOL = 1e-6;
/**
 * How close Muon's float32 Newton-Schulz stays to torch's bfloat16 one over 12 steps: `|a - b| <= BF16_ATOL + BF16_RTOL |b|`
 * (bfloat16 keeps 8 significant bits; the fixtures' parameters move by ~0.1 in those steps).
 */
export const BF16_RTOL = 2e-2;
/** See {@link BF16_RTOL}. */
export const BF16_ATOL = 1e-2;

type Ctor = (new (params: unknown, options: Record<string, unknown>) => optim.Optimizer<optim.BaseOptions>) & { fusedKernels?: boolean };

/** An optimizer with schedule-free's `train()` / `eval()` switch. */
interface Switchable {
  train(): void;
  eval(): void;
}

/** The first element of `got` off `want` by more than `atol + rtol |want|`, as a message; null when all agree. */
function mismatch(what: string, got: ArrayLike<number>, want: readonly number[], rtol = PARITY_RTOL, atol = PARITY_ATOL): string | null {
  for (let j = 0; j < want.length; j++) {
    if (!(Math.abs(got[j] - want[j]) <= atol + rtol * Math.abs(want[j]))) return `${what}[${j}]: got ${got[j]}, torch ${want[j]}`;
  }
  return null;
}

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
  const switchable = typeof (opt as unknown as Partial<Switchable>).train === 'function' ? (opt as unknown as Switchable) : null;
  const problems: string[] = [];
  const check = (found: string | null) => found !== null && problems.push(found);
  try {
    switchable?.train();
    for (let step = 0; step < c.grads.length; step++) {
      const grads: tf.NamedTensorMap = {};
      c.grads[step].forEach((g, i) => {
        if (g) grads[vars[i].name] = tf.tensor(g, c.shapes[i], 'float32');
      });
      opt.step(grads);
      tf.dispose(Object.values(grads));
      const at = `step ${step + 1}`;
      for (let i = 0; i < vars.length && problems.length === 0; i++) {
        const got = await vars[i].data();
        check(mismatch(`${at} param ${i}`, got, c.expected[step][i]));
        if (c.bf16Expected) check(mismatch(`${at} param ${i} (torch's bfloat16 Newton-Schulz)`, got, c.bf16Expected[step][i], BF16_RTOL, BF16_ATOL));
        const wantState = c.expectedState?.[step][i];
        for (const [key, want] of Object.entries(wantState ?? {})) {
          const t = opt.state.get(vars[i])?.[key];
          if (!(t instanceof tf.Tensor)) problems.push(`${at} param ${i}: no state "${key}"`);
          else check(mismatch(`${at} param ${i} state ${key}`, await t.data(), want));
        }
      }
      if (c.evalExpected && switchable && problems.length === 0) {
        switchable.eval();
        for (let i = 0; i < vars.length; i++) check(mismatch(`${at} param ${i} after eval()`, await vars[i].data(), c.evalExpected[step][i]));
        switchable.train();
      }
      if (problems.length > 0) break;
    }
  } finally {
    opt.dispose();
    vars.forEach((v) => v.dispose());
  }
  return problems;
}

/**
 * One test per case, through the fused kernels and then the composite fallback, named as Descent's parity suites name them;
 * `run` resolves to replayTorchCase's mismatches. An optimizer without fused kernels (`static fusedKernels = false`)
 * runs the composite ops only.
 */
export function torchParityTests(fixtures: TorchParityFixtures): Array<{
  name: string;
  /** Replays the case; resolves to its mismatches (none when it matches torch). */
  run: () => Promise<string[]>;
}> {
  return fixtures.cases.flatMap((c) =>
    ((optim as unknown as Record<string, Ctor>)[c.optimizer]?.fusedKernels === false ? [false] : [true, false]).map((fused) => ({
      name: `${c.name} (${c.optimizer}, ${fused ? 'fused kernel' : 'fallback'}): ${c.grads.length} steps, 2 groups`,
      run: () => replayTorchCase(c, fused),
    })),
  );
}
