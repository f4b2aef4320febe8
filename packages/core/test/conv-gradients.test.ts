import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { dilateFilter, Generator } from '../src/index.js';
import { cpu } from './setup-cpu.js';

beforeAll(cpu);

function random(shape: number[], seed: number): tf.Tensor {
  const g = new Generator(seed);
  const data = g.fill(new Float32Array(tf.util.sizeFromShape(shape)), (r) => r.uniform(-1, 1));
  return tf.tensor(data, shape);
}

/**
 * The same dilated convolution written as a sum over filter taps of shifted
 * slices of x times that tap's weights: its gradients come from Slice, MatMul
 * and Pad's gradients, independently of the Conv2D gradient under test.
 * `depthwise` multiplies channel-wise instead (channel multiplier 1).
 */
function byTaps(x: tf.Tensor4D, w: tf.Tensor4D, d: [number, number], pads: [number, number], depthwise: boolean): tf.Tensor {
  const [kh, kw, cin, cout] = w.shape;
  const xp = tf.pad(x, [[0, 0], [pads[0], pads[0]], [pads[1], pads[1]], [0, 0]]);
  const oh = xp.shape[1] - (kh - 1) * d[0];
  const ow = xp.shape[2] - (kw - 1) * d[1];
  let out: tf.Tensor | undefined;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const patch = tf.slice(xp, [0, i * d[0], j * d[1], 0], [x.shape[0], oh, ow, cin]);
      const tap = tf.reshape(tf.slice(w, [i, j, 0, 0], [1, 1, cin, cout]), [cin, cout]);
      const term = depthwise ? tf.mul(patch, tf.reshape(tap, [cin])) : tf.reshape(tf.matMul(tf.reshape(patch, [-1, cin]), tap), [x.shape[0], oh, ow, cout]);
      out = out ? tf.add(out, term) : term;
    }
  }
  return out!;
}

function expectClose(a: tf.Tensor, b: tf.Tensor, what: string): void {
  expect(a.shape, what).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  for (let i = 0; i < y.length; i++) expect(Math.abs(x[i] - y[i]), `${what}[${i}]: ${x[i]} vs ${y[i]}`).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(y[i]));
}

describe('dilated convolution gradients (tfjs-core throws for dilations > 1)', () => {
  it('dilateFilter spreads the taps with zeros', () => {
    const w = tf.tensor4d([1, 2, 3, 4], [2, 2, 1, 1]);
    expect(Array.from(dilateFilter(w, [2, 3]).dataSync())).toEqual([1, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 4]);
  });

  const cases: { name: string; d: [number, number]; pad: 'valid' | 'same' }[] = [
    { name: 'dilation 2, valid', d: [2, 2], pad: 'valid' },
    { name: 'dilation 2×3, same', d: [2, 3], pad: 'same' },
  ];
  for (const { name, d, pad } of cases) {
    it(`conv2d, ${name}: gradients equal the tap-by-tap formulation's`, () => {
      const x = random([2, 9, 10, 3], 1) as tf.Tensor4D;
      const w = random([3, 3, 3, 4], 2) as tf.Tensor4D;
      const pads: [number, number] = pad === 'same' ? [d[0], d[1]] : [0, 0];
      const r = tf.tidy(() => tf.conv2d(x, w, 1, pad, 'NHWC', d));
      const cot = random(r.shape, 3);
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad, 'NHWC', d), cot)))([x, w]);
      const [ex, ew] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(byTaps(a as tf.Tensor4D, b as tf.Tensor4D, d, pads, false), cot)))([x, w]);
      expectClose(r, byTaps(x, w, d, pads, false), 'forward');
      expectClose(gx, ex, 'dx');
      expectClose(gw, ew, 'dw');
    });

    it(`depthwiseConv2d, ${name}: gradients equal the tap-by-tap formulation's`, () => {
      const x = random([2, 9, 10, 3], 4) as tf.Tensor4D;
      const w = random([3, 3, 3, 1], 5) as tf.Tensor4D;
      const pads: [number, number] = pad === 'same' ? [d[0], d[1]] : [0, 0];
      const f = (a: tf.Tensor, b: tf.Tensor) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad, 'NHWC', d);
      const cot = tf.tidy(() => random(f(x, w).shape, 6));
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, b), cot)))([x, w]);
      const [ex, ew] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(byTaps(a as tf.Tensor4D, b as tf.Tensor4D, d, pads, true), cot)))([x, w]);
      expectClose(gx, ex, 'dx');
      expectClose(gw, ew, 'dw');
    });
  }

  it('undilated convolutions keep tfjs-core gradients, and nothing leaks', () => {
    const x = random([1, 6, 6, 2], 7) as tf.Tensor4D;
    const w = random([3, 3, 2, 2], 8) as tf.Tensor4D;
    const step = (d: number) => tf.tidy(() => void tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same', 'NHWC', d)))([x, w]));
    step(1);
    step(2);
    const before = tf.memory().numTensors;
    step(1);
    step(2);
    expect(tf.memory().numTensors).toBe(before);
  });
});
