import * as tf from '@tensorflow/tfjs-core';
import { LBFGS, type LBFGSOptions } from './lbfgs.js';
import { PARITY_ATOL, PARITY_RTOL } from './torch-parity.js';

/** One LBFGS case of tools/gen_optim2_fixtures.py: a problem, options, and torch's parameters, losses and counters after each step. */
export interface TorchLbfgsCase {
  name: string;
  problem: 'rosenbrock' | 'logistic';
  /** The logistic regression's inputs `x` [32, 4] and 0/1 targets `y` [32, 3] (null for Rosenbrock). */
  data: Record<'x' | 'y', { shape: number[]; values: number[] }> | null;
  options: Partial<LBFGSOptions>;
  shapes: number[][];
  init: number[][];
  expected: number[][][];
  losses: number[];
  counters: Array<{ funcEvals: number; nIter: number }>;
}

/**
 * The loss of a fixture problem, with the same ops as torch's: `sum(100 (a - b²)² + (1 - b)²)` over the
 * concatenated parameters, and `mean(log(1 + exp(z)) - y z) + 0.05 |w|²` with `z = x w + b`.
 */
function problemLoss(c: TorchLbfgsCase, vars: tf.Variable[]): (() => tf.Scalar) & { data?: tf.Tensor[] } {
  if (c.problem === 'rosenbrock') {
    return () => {
      const v = tf.concat(vars.map((p) => tf.reshape(p, [-1])));
      const n = v.size;
      const a = tf.slice(v, [1], [n - 1]);
      const b = tf.slice(v, [0], [n - 1]);
      return tf.sum(tf.add(tf.mul(tf.square(tf.sub(a, tf.mul(b, b))), 100), tf.square(tf.sub(1, b))));
    };
  }
  const { x, y } = c.data!;
  const xs = tf.tensor(x.values, x.shape, 'float32');
  const ys = tf.tensor(y.values, y.shape, 'float32');
  const [w, bias] = vars;
  const loss = () => {
    const z = tf.add(tf.matMul(xs as tf.Tensor2D, w as tf.Tensor2D), bias);
    return tf.add(tf.mean(tf.sub(tf.log(tf.add(1, tf.exp(z))), tf.mul(ys, z))), tf.mul(tf.sum(tf.mul(w, w)), 0.05)) as tf.Scalar;
  };
  return Object.assign(loss, { data: [xs, ys] });
}

let counter = 0;

/** Replays one LBFGS case on the active backend; returns the first mismatch (empty when every step agrees). */
export async function replayLbfgsCase(c: TorchLbfgsCase): Promise<string[]> {
  const id = `${c.name}_${counter++}`;
  const vars = c.init.map((values, i) => tf.variable(tf.tensor(values, c.shapes[i], 'float32'), true, `${id}/p${i}`));
  const closure = problemLoss(c, vars);
  const opt = new LBFGS(vars, c.options);
  const problems: string[] = [];
  const close = (a: number, b: number) => Math.abs(a - b) <= PARITY_ATOL + PARITY_RTOL * Math.abs(b);
  try {
    for (let step = 0; step < c.expected.length && problems.length === 0; step++) {
      const loss = await opt.step(closure);
      const at = `step ${step + 1}`;
      if (!close(loss, c.losses[step])) problems.push(`${at} loss: got ${loss}, torch ${c.losses[step]}`);
      const counters = { funcEvals: opt.funcEvals, nIter: opt.nIter };
      if (counters.funcEvals !== c.counters[step].funcEvals || counters.nIter !== c.counters[step].nIter) {
        problems.push(`${at} counters: got ${JSON.stringify(counters)}, torch ${JSON.stringify(c.counters[step])}`);
      }
      for (let i = 0; i < vars.length; i++) {
        const got = await vars[i].data();
        const j = c.expected[step][i].findIndex((want, k) => !close(got[k], want));
        if (j >= 0) problems.push(`${at} param ${i}[${j}]: got ${got[j]}, torch ${c.expected[step][i][j]}`);
      }
    }
  } finally {
    opt.dispose();
    tf.dispose([...vars, ...(closure.data ?? [])]);
  }
  return problems;
}

/** One test per LBFGS case, named as Descent's parity suites name them. */
export function lbfgsParityTests(cases: TorchLbfgsCase[]): Array<{
  name: string;
  /** Replays the case; resolves to its mismatches (none when it matches torch). */
  run: () => Promise<string[]>;
}> {
  return cases.map((c) => ({
    name: `${c.name} (LBFGS${c.options.lineSearchFn ? ', strong Wolfe' : ''}, ${c.problem}): ${c.expected.length} steps`,
    run: () => replayLbfgsCase(c),
  }));
}
