import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Generator } from '../src/index.js';
import { cpu } from './setup-cpu.js';

beforeAll(cpu);

/** avgPool as window sums of zero-padded slices over the count of real elements (the same sums over ones). */
function byTaps(x: tf.Tensor4D, size: number, stride: number, pads: [number, number, number, number]): tf.Tensor {
  const [t, b, l, r] = pads;
  const pad = (v: tf.Tensor4D) => tf.pad(v, [[0, 0], [t, b], [l, r], [0, 0]]);
  const xp = pad(x);
  const ones = pad(tf.onesLike(x));
  const oh = Math.floor((xp.shape[1] - size) / stride) + 1;
  const ow = Math.floor((xp.shape[2] - size) / stride) + 1;
  let sum: tf.Tensor | undefined;
  let count: tf.Tensor | undefined;
  // Strided picks as gathers: tfjs has no StridedSlice gradient.
  const pick = (v: tf.Tensor, i: number, j: number) => {
    const rows = tf.tensor1d(Array.from({ length: oh }, (_, k) => i + k * stride), 'int32');
    const cols = tf.tensor1d(Array.from({ length: ow }, (_, k) => j + k * stride), 'int32');
    return tf.gather(tf.gather(v, rows, 1), cols, 2);
  };
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      const s = pick(xp, i, j);
      const c = pick(ones, i, j);
      sum = sum ? tf.add(sum, s) : s;
      count = count ? tf.add(count, c) : c;
    }
  }
  return tf.div(sum!, count!);
}

describe('avgPool gradient with padding (tfjs kernels divide by the full window)', () => {
  const cases: { name: string; shape: [number, number, number, number]; size: number; stride: number; pads: [number, number, number, number] }[] = [
    { name: '3×3 stride 2, same, odd size', shape: [2, 7, 7, 3], size: 3, stride: 2, pads: [1, 1, 1, 1] },
    { name: '3×3 stride 1, same', shape: [1, 5, 6, 2], size: 3, stride: 1, pads: [1, 1, 1, 1] },
    { name: '2×2 stride 2, same, odd size (pads bottom/right)', shape: [2, 5, 5, 2], size: 2, stride: 2, pads: [0, 1, 0, 1] },
  ];
  for (const c of cases) {
    it(`${c.name}: forward and gradient equal the explicit window sums'`, () => {
      const g = new Generator(11);
      const x = tf.tensor4d(g.fill(new Float32Array(tf.util.sizeFromShape(c.shape)), (r) => r.uniform(-1, 1)), c.shape);
      const y = tf.avgPool(x, c.size, c.stride, 'same');
      const expected = byTaps(x, c.size, c.stride, c.pads);
      expect(y.shape).toEqual(expected.shape);
      const cot = tf.tensor(g.fill(new Float32Array(y.size), (r) => r.uniform(-1, 1)), y.shape);
      const gx = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(v as tf.Tensor4D, c.size, c.stride, 'same'), cot)))(x).dataSync();
      const ex = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(byTaps(v as tf.Tensor4D, c.size, c.stride, c.pads), cot)))(x).dataSync();
      for (let i = 0; i < ex.length; i++) expect(Math.abs(gx[i] - ex[i]), `dx[${i}]: ${gx[i]} vs ${ex[i]}`).toBeLessThanOrEqual(1e-6);
    });
  }

  it('valid pooling keeps tfjs-core gradient, and nothing leaks', () => {
    const x = tf.randomNormal([1, 6, 6, 2]) as tf.Tensor4D;
    const step = (pad: 'valid' | 'same') => tf.tidy(() => void tf.grad((v: tf.Tensor) => tf.sum(tf.avgPool(v as tf.Tensor4D, 3, 2, pad)))(x));
    step('valid');
    step('same');
    const before = tf.memory().numTensors;
    step('valid');
    step('same');
    expect(tf.memory().numTensors).toBe(before);
  });
});
