import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import * as optim from '../src/index.js';
import { cpu, values, variable } from './setup.js';

beforeAll(cpu);

const makers: Record<string, (p: tf.Variable[], fused: boolean) => optim.Optimizer<optim.BaseOptions>> = {
  SGD: (p, fused) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, fused }),
  Adam: (p, fused) => new optim.Adam(p, { amsgrad: true, fused }),
  AdamW: (p, fused) => new optim.AdamW(p, { fused }),
  Lamb: (p, fused) => new optim.Lamb(p, { fused }),
  Adagrad: (p, fused) => new optim.Adagrad(p, { fused }),
  RMSprop: (p, fused) => new optim.RMSprop(p, { centered: true, momentum: 0.5, fused }),
  Adadelta: (p, fused) => new optim.Adadelta(p, { fused }),
  Adamax: (p, fused) => new optim.Adamax(p, { fused }),
  NAdam: (p, fused) => new optim.NAdam(p, { fused }),
  RAdam: (p, fused) => new optim.RAdam(p, { fused }),
  Lion: (p, fused) => new optim.Lion(p, { fused }),
};

describe('no tensor leaks: tf.memory().numTensors is flat after warm-up', () => {
  for (const [name, make] of Object.entries(makers)) {
    for (const fused of [true, false]) {
      it(`${name} (${fused ? 'kernel' : 'fallback'})`, () => {
        const w = variable(values(20, 3), [4, 5], 'w');
        const b = variable(values(5, 4), [5], 'b');
        const x = tf.tensor(values(12, 5), [3, 4]);
        const opt = make([w, b], fused);
        const loss = () => tf.mean(tf.square(tf.add(tf.matMul(x, w), b))) as tf.Scalar;
        opt.minimize(loss); // warm-up creates the state
        const before = tf.memory().numTensors;
        for (let i = 0; i < 5; i++) opt.minimize(loss);
        expect(tf.memory().numTensors).toBe(before);
        const grads = tf.variableGrads(loss, [w, b]);
        for (let i = 0; i < 3; i++) opt.step(grads.grads);
        tf.dispose([grads.value, ...Object.values(grads.grads)]);
        expect(tf.memory().numTensors).toBe(before);
        opt.dispose();
        tf.dispose([w, b, x]);
      });
    }
  }
});
