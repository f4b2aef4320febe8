import * as tf from '@tensorflow/tfjs-core';
import type * as optim from '../src/index.js';
import { values, variable } from './setup.js';

export type Groups = Array<{ params: tf.Variable[] } & Record<string, unknown>>;
export type Make = (groups: Groups) => optim.Optimizer<optim.BaseOptions>;

/** Two parameters (shapes `[3, 4]` and `[4]` unless given) in two groups, the second with `lr: 0.003`. */
export function setup(make: Make, shapes: [number[], number[]] = [[3, 4], [4]]) {
  const size = (shape: number[]) => shape.reduce((x, y) => x * y, 1);
  const a = variable(values(size(shapes[0]), 1), shapes[0], 'a');
  const b = variable(values(size(shapes[1]), 2), shapes[1], 'b');
  const opt = make([{ params: [a] }, { params: [b], lr: 0.003 }]);
  return { vars: [a, b], opt };
}

/** Step `step`'s gradients: deterministic, and none for the second parameter on step 2. */
export function gradsAt(step: number, vars: tf.Variable[]): tf.NamedTensorMap {
  const out: tf.NamedTensorMap = {};
  vars.forEach((v, i) => {
    if (step === 2 && i === 1) return; // a missing gradient must not disturb resumption
    out[v.name] = tf.tensor(values(v.size, 100 * step + i + 7), v.shape, 'float32');
  });
  return out;
}

/** Steps `from` to `to` (exclusive) with {@link gradsAt}. */
export function run(opt: optim.Optimizer<optim.BaseOptions>, vars: tf.Variable[], from: number, to: number) {
  for (let s = from; s < to; s++) {
    const g = gradsAt(s, vars);
    opt.step(g);
    tf.dispose(Object.values(g));
  }
}
