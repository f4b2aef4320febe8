import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { activate, expectClose, on, randomArray } from './util.js';

// XNNPACK packs each weight matrix once and caches it under the tensor's id; a
// kernel that wrote into a tensor's memory would leave later products stale.
describe('weights that change between products', () => {
  const M = 16;
  const K = 60;
  const N = 24;
  const x = randomArray(M * K, 1);
  const w0 = randomArray(K * N, 2);
  const w1 = randomArray(K * N, 3);
  const dy = randomArray(M * N, 4);
  const bias = randomArray(N, 5);

  /** Every product a dense layer's forward and backward pass makes, with the weight read twice and updated in between. */
  function products(): tf.Tensor {
    const w = tf.variable(tf.tensor2d(w0, [K, N]), true);
    const xs = tf.tensor2d(x, [M, K]);
    const dys = tf.tensor2d(dy, [M, N]);
    const b = tf.tensor1d(bias);
    const outs: tf.Tensor[] = [];
    const pass = () => {
      outs.push(tf.matMul(xs, w));
      outs.push(tf.matMul(dys, w, false, true));
      outs.push(tf.matMul(xs, dys, true, false));
      outs.push(tf.matMul(tf.transpose(xs), tf.transpose(w), true, true));
      outs.push(tf.fused.matMul({ a: xs, b: w, bias: b, activation: 'relu' }));
      outs.push(tf.fused.matMul({ a: dys, b: w, transposeB: true }));
    };
    pass();
    pass(); // the same weights again: cached operators must still be right
    w.assign(tf.tensor2d(w1, [K, N]));
    pass();
    // Training-style in-place update of the variable's value.
    w.assign(tf.sub(w, tf.mul(tf.scalar(0.5), w)));
    pass();
    const all = tf.concat(outs.map((o) => tf.reshape(o, [-1])));
    w.dispose();
    return all;
  }

  it('gives the same products as cpu after variable.assign', async () => {
    const cpu = await on('cpu', products);
    const descent = await on('descent', products);
    expectClose(descent, cpu, 'descent vs cpu');
    // The updates must show: the passes after each assign differ from the first.
    const per = cpu.data.length / 4;
    expect(descent.data.slice(2 * per, 2 * per + 10)).not.toEqual(descent.data.slice(0, 10));
  });

  it('never changes an input of any product', async () => {
    await activate('descent');
    const w = tf.tensor2d(w0, [K, N]);
    const xs = tf.tensor2d(x, [M, K]);
    const dys = tf.tensor2d(dy, [M, N]);
    const b = tf.tensor1d(bias);
    const runs: (() => tf.Tensor)[] = [
      () => tf.matMul(xs, w),
      () => tf.matMul(dys, w, false, true),
      () => tf.matMul(xs, dys, true, false),
      () => tf.matMul(w, xs, true, true),
      () => tf.fused.matMul({ a: xs, b: w, bias: b, activation: 'relu6' }),
      () => tf.fused.matMul({ a: dys, b: w, transposeB: true, bias: tf.ones([K]), activation: 'sigmoid' }),
      () => tf.fused.matMul({ a: xs, b: dys, transposeA: true, bias: tf.ones([K, N]) }),
    ];
    for (const run of runs) {
      tf.dispose(tf.tidy(run));
      expect(await w.data()).toEqual(w0);
      expect(await xs.data()).toEqual(x);
      expect(await dys.data()).toEqual(dy);
      expect(await b.data()).toEqual(bias);
    }
    tf.dispose([w, xs, dys, b]);
  });
});
