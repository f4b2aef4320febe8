import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { chainedOpsRegistered, gradientsRegistered, useBackend } from '../src/index.js';
import { cpu } from './setup-cpu.js';

beforeAll(cpu);

describe('gradients', () => {
  it('are registered by importing core', () => {
    expect(gradientsRegistered()).toBe(true);
  });

  it('tf.grad of a small MLP matches the hand-derived gradient', () => {
    const x = tf.tensor2d([[1, 2], [-1, 0.5]]);
    const w = tf.tensor2d([[0.3, -0.2], [0.1, 0.4]]);
    // loss = sum(relu(x @ w)); d/dw = x^T @ (x@w > 0)
    const g = tf.grad((wv: tf.Tensor) => tf.sum(tf.relu(tf.matMul(x, wv))))(w);
    const mask = tf.cast(tf.greater(tf.matMul(x, w), 0), 'float32');
    const expected = tf.matMul(x, mask, true, false);
    expect(Array.from(g.dataSync())).toEqual(Array.from(expected.dataSync()));
  });
});

describe('chained ops', () => {
  it('are registered by importing core, as the union @tensorflow/tfjs package does', () => {
    expect(chainedOpsRegistered()).toBe(true);
    const t = tf.tensor2d([[1, 2], [3, 4]]);
    // tfjs-layers' Orthogonal initializer (every RNN) calls these on plain tfjs-core.
    expect(t.flatten().shape).toEqual([4]);
    expect(Array.from(t.add(1).matMul(t).dataSync())).toEqual([11, 16, 19, 28]);
  });
});

describe('gradient fixes', () => {
  it('come back on useBackend() after a package re-registers the stock gradients (tfjs-layers does on import)', async () => {
    const ours = tf.getGradient('Conv2D')!;
    // What a bundled copy of tfjs-core's register_all_gradients does when it loads later: a config
    // without our mark (its gradFunc, ours here, keeps the other tests' gradients right).
    tf.registerGradient({ kernelName: 'Conv2D', inputsToSave: ours.inputsToSave, gradFunc: ours.gradFunc });
    expect((tf.getGradient('Conv2D') as { descentDilated?: boolean }).descentDilated).toBeUndefined();
    await useBackend('cpu');
    expect((tf.getGradient('Conv2D') as { descentDilated?: boolean }).descentDilated).toBe(true);
    const x = tf.ones([1, 5, 5, 1]) as tf.Tensor4D;
    const g = tf.grad((w: tf.Tensor) => tf.sum(tf.conv2d(x, w as tf.Tensor4D, 1, 'valid', 'NHWC', 2)))(tf.ones([2, 2, 1, 1]));
    expect(Array.from(g.dataSync())).toEqual([9, 9, 9, 9]);
  });
});
