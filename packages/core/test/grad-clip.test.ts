import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { clipGradNorm, clipGradValue, globalNorm } from '../src/index.js';
import { cpu } from './setup-cpu.js';

interface Case {
  shapes: number[][];
  grads: number[][];
  maxNorm: number;
  normType: number | 'inf';
  totalNorm: number;
  clipped: number[][];
  clipValue: number;
  valueClipped: number[][];
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/grad-clip.json', import.meta.url), 'utf8')) as { cases: Case[] };

beforeAll(cpu);

function expectClose(actual: ArrayLike<number>, expected: number[], rtol = 1e-5, atol = 1e-6) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(atol + rtol * Math.abs(expected[i]));
  }
}

function gradsOf(c: Case): tf.NamedTensorMap {
  const out: tf.NamedTensorMap = {};
  c.shapes.forEach((s, i) => (out[`p${i}`] = tf.tensor(c.grads[i], s)));
  return out;
}

describe('gradient clipping matches torch.nn.utils', () => {
  for (const [k, c] of fixture.cases.entries()) {
    const normType = c.normType === 'inf' ? Infinity : c.normType;
    it(`case ${k}: clip_grad_norm_ (norm ${c.normType}, max ${c.maxNorm})`, () => {
      const grads = gradsOf(c);
      const before = tf.memory().numTensors;
      const { grads: clipped, totalNorm } = clipGradNorm(grads, c.maxNorm, { normType });
      expectClose(totalNorm.dataSync(), [c.totalNorm]);
      c.clipped.forEach((exp, i) => expectClose(clipped[`p${i}`].dataSync(), exp));
      expect(tf.memory().numTensors).toBe(before + c.shapes.length + 1);
      const norm = globalNorm(grads, normType);
      expectClose(norm.dataSync(), [c.totalNorm]);
    });

    it(`case ${k}: clip_grad_value_ (${c.clipValue})`, () => {
      const clipped = clipGradValue(gradsOf(c), c.clipValue);
      c.valueClipped.forEach((exp, i) => expectClose(clipped[`p${i}`].dataSync(), exp));
    });
  }

  it('skips missing gradients and rejects bad arguments', () => {
    const grads = { a: tf.tensor1d([3, 4]), b: null as unknown as tf.Tensor };
    const { grads: out, totalNorm } = clipGradNorm(grads, 1);
    expect(Object.keys(out)).toEqual(['a']);
    expect(totalNorm.dataSync()[0]).toBeCloseTo(5, 5);
    expect(() => clipGradNorm(grads, -1)).toThrow('Invalid maxNorm: -1');
    expect(() => clipGradValue(grads, Number.NaN)).toThrow('Invalid clipValue: NaN');
    expect(() => globalNorm(grads, 0)).toThrow('Invalid normType: 0');
  });

  it('errorIfNonfinite throws on a NaN norm', () => {
    expect(() => clipGradNorm({ a: tf.tensor1d([Number.NaN, 1]) }, 1, { errorIfNonfinite: true })).toThrow(/non-finite \(NaN\)/);
  });
});
