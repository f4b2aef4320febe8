import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { matMulKernelsInstalled } from '../src/index.js';
import { activate, expectClose, expectNoLeak, on, randomArray, type Engine } from './util.js';

const swap = (shape: number[], t: boolean) => (t ? [...shape.slice(0, -2), shape[shape.length - 1], shape[shape.length - 2]] : shape);
const TRANSPOSES: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

/** [a, b] shapes before any transpose: a is [..., m, k], b is [..., k, n]. */
const SHAPES: [number[], number[]][] = [
  [[40, 70], [70, 30]], // one matrix: XNNPACK
  [[1, 40, 70], [70, 30]],
  [[5, 1], [1, 7]], // k = 1
  [[1, 70], [70, 1]],
  [[3, 4, 5], [3, 5, 6]], // small batches: the stock loop
  [[1, 4, 5], [3, 5, 6]],
  [[2, 1, 4, 5], [1, 3, 5, 6]],
  [[4, 5], [2, 3, 5, 6]],
  [[3, 40, 50], [3, 50, 60]], // large batches: one XNNPACK product per item
  [[2, 1, 40, 50], [3, 50, 60]],
  [[40, 50], [3, 50, 60]],
  [[3, 40, 50], [50, 60]], // one weight matrix: rows stacked
  [[2, 3, 40, 50], [1, 1, 50, 60]],
];

function matMulOn(engine: Engine, aShape: number[], bShape: number[], ta: boolean, tb: boolean) {
  const aData = randomArray(tf.util.sizeFromShape(aShape), 1);
  const bData = randomArray(tf.util.sizeFromShape(bShape), 2);
  let inputs: tf.Tensor[] = [];
  return on(engine, () => {
    const a = tf.keep(tf.tensor(aData, aShape));
    const b = tf.keep(tf.tensor(bData, bShape));
    inputs = [a, b];
    return tf.matMul(a, b, ta, tb);
  }).then(async (result) => {
    // No kernel may write into its inputs.
    expect(await inputs[0].data()).toEqual(aData);
    expect(await inputs[1].data()).toEqual(bData);
    tf.dispose(inputs);
    return result;
  });
}

describe('BatchMatMul on Descent wasm', () => {
  beforeAll(() => activate('descent'));

  it('replaces the stock kernels', async () => {
    await activate('descent');
    expect(tf.getBackend()).toBe('wasm');
    expect(matMulKernelsInstalled()).toBe(true);
  });

  for (const [aBase, bBase] of SHAPES) {
    for (const [ta, tb] of TRANSPOSES) {
      const aShape = swap(aBase, ta);
      const bShape = swap(bBase, tb);
      it(`matches cpu and stock wasm: [${aShape}]${ta ? 'ᵀ' : ''} @ [${bShape}]${tb ? 'ᵀ' : ''}`, async () => {
        const cpu = await matMulOn('cpu', aShape, bShape, ta, tb);
        const stock = await matMulOn('stock', aShape, bShape, ta, tb);
        const descent = await matMulOn('descent', aShape, bShape, ta, tb);
        expectClose(descent, cpu, 'descent vs cpu');
        expectClose(descent, stock, 'descent vs stock wasm');
      });
    }
  }

  it('gives the same errors as tfjs for mismatched inner dimensions', async () => {
    await activate('descent');
    expect(() => tf.matMul(tf.ones([2, 3]), tf.ones([4, 5]))).toThrow(/inner shapes/);
    expect(() => tf.matMul(tf.ones([2, 2, 3]), tf.ones([2, 4, 5]))).toThrow(/inner shapes/);
  });

  it('leaks no wasm memory', async () => {
    await activate('descent');
    const a = tf.ones([3, 40, 50]);
    const b = tf.ones([2, 1, 60, 50]);
    const w = tf.ones([50, 60]);
    const run = () => {
      tf.tidy(() => {
        for (const [ta, tb] of TRANSPOSES) tf.matMul(ta ? tf.transpose(a, [0, 2, 1]) : a, tb ? b : tf.transpose(b, [0, 1, 3, 2]), ta, tb);
        tf.matMul(a, tf.transpose(w), false, true);
        tf.matMul(w, w, true, false);
      });
    };
    expectNoLeak(run);
    tf.dispose([a, b, w]);
  });
});
