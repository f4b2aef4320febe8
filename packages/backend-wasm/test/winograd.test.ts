// Winograd F(2×2, 3×3) (src/kernels/winograd.ts): the forward convolution
// (bias, relu), the input's gradient and the filter's gradient, against tfjs's
// cpu kernels on random inputs, over paddings, odd and even sizes and channel
// counts that leave a GEMM column tail; which convolutions take it; inputs
// untouched, nothing leaked.
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { gemmRouting } from '../src/kernels/gemm.js';
import { conv2DInfo } from '../src/kernels/patches.js';
import { winogradApplies, winogradLimits } from '../src/kernels/winograd.js';
import { activate, expectClose, expectNoLeak, on, randomArray } from './util.js';

type Pad = 'valid' | 'same' | number[][];
interface Case {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  pad: Pad;
}

const cases: Case[] = [
  { x: [2, 9, 9, 4], filter: [3, 3, 4, 8], pad: 'valid' }, // 7×7 out: odd, the last tile half used
  { x: [3, 8, 10, 8], filter: [3, 3, 8, 4], pad: 'same' }, // even
  { x: [1, 7, 6, 12], filter: [3, 3, 12, 20], pad: 'same' }, // 20 columns: a GEMM tail of 4
  { x: [2, 7, 7, 4], filter: [3, 3, 4, 12], pad: [[0, 0], [1, 2], [2, 0], [0, 0]] }, // uneven explicit padding
  { x: [2, 5, 6, 4], filter: [3, 3, 4, 4], pad: [[0, 0], [2, 2], [0, 1], [0, 0]] },
  { x: [2, 6, 5, 8], filter: [3, 3, 8, 4], pad: [[0, 0], [3, 1], [4, 0], [0, 0]] }, // padding wider than the filter
  { x: [4, 13, 13, 32], filter: [3, 3, 32, 64], pad: 'valid' }, // a LeNet's second layer: split across the pool
];

const name = (c: Case) => `x ${c.x.join('×')}, filter ${c.filter.join('×')}, pad ${JSON.stringify(c.pad)}`;
const info = (c: Case, strides = 1, dilations = 1) => conv2DInfo(c.x, c.filter, { strides, pad: c.pad, dilations }, false);

function inputs(c: Case) {
  const x = tf.tensor4d(randomArray(tf.util.sizeFromShape(c.x), 1), c.x);
  const w = tf.tensor4d(randomArray(tf.util.sizeFromShape(c.filter), 2), c.filter);
  const bias = tf.tensor1d(randomArray(c.filter[3], 3));
  const outShape = tf.conv2d(x, w, 1, c.pad as 'valid').shape;
  const dy = tf.tensor4d(randomArray(tf.util.sizeFromShape(outShape), 4), outShape);
  return { x, w, bias, dy };
}

// Sums of hundreds of products of either sign (9·C, or N·OH·OW for dW) in another order: an element
// near zero can hold the rounding of much larger partial sums, so the absolute part of the tolerance is
// relative to the output's scale (the GEMM's own route errs as much: 4e-5 on dW's 43 at the largest case).
async function compare(what: string, f: () => tf.Tensor): Promise<void> {
  const expected = await on('cpu', f);
  const actual = await on('descent', f);
  const scale = expected.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  expectClose(actual, expected, what, 1e-5, 2e-6 * scale);
  await activate('descent');
  expectNoLeak(() => tf.tidy(() => void f()));
}

describe('Winograd F(2×2, 3×3) on wasm', () => {
  const limits = { ...winogradLimits };
  afterEach(() => {
    Object.assign(winogradLimits, limits);
    gemmRouting.force = 'auto';
  });

  it('takes 3×3, stride-1, undilated convolutions with channels in fours, on the GEMM route', async () => {
    await activate('descent');
    gemmRouting.force = 'gemm';
    winogradLimits.minWork = 0;
    for (const c of cases) expect(winogradApplies(info(c)), name(c)).toBe(true);
    const base: Case = { x: [2, 9, 9, 4], filter: [3, 3, 4, 8], pad: 'valid' };
    expect(winogradApplies(info(base, 2))).toBe(false); // strided
    expect(winogradApplies(info(base, 1, 2))).toBe(false); // dilated
    expect(winogradApplies(info({ ...base, filter: [5, 5, 4, 8] }))).toBe(false);
    expect(winogradApplies(info({ x: [2, 9, 9, 3], filter: [3, 3, 3, 8], pad: 'valid' }))).toBe(false); // 3 channels in
    expect(winogradApplies(info({ ...base, filter: [3, 3, 4, 6] }))).toBe(false); // 6 out
    Object.assign(winogradLimits, limits);
    expect(winogradApplies(info(base))).toBe(false); // too small to pay
    expect(winogradApplies(info(cases.at(-1)!))).toBe(true);
    gemmRouting.force = 'xnnpack';
    expect(winogradApplies(info(cases.at(-1)!))).toBe(false);
  });

  for (const c of cases) {
    it(`Conv2D, FusedConv2D, Conv2DBackpropInput and Conv2DBackpropFilter: ${name(c)}`, async () => {
      gemmRouting.force = 'gemm';
      winogradLimits.minWork = 0;
      await compare('conv2d', () => {
        const { x, w } = inputs(c);
        return tf.conv2d(x, w, 1, c.pad as 'valid');
      });
      await compare('fused conv2d + bias + relu', () => {
        const { x, w, bias } = inputs(c);
        return tf.fused.conv2d({ x, filter: w, strides: 1, pad: c.pad as 'valid', bias, activation: 'relu' });
      });
      await compare('dx', () => {
        const { x, w, dy } = inputs(c);
        return tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { strides: [1, 1], pad: c.pad, dataFormat: 'NHWC', inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
      });
      await compare('dW', () => {
        const { x, w, dy } = inputs(c);
        return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: [1, 1], pad: c.pad, dataFormat: 'NHWC', filterShape: w.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
      });
    });
  }

  it('leaves its inputs as they were', async () => {
    gemmRouting.force = 'gemm';
    winogradLimits.minWork = 0;
    await activate('descent');
    const c = cases[0];
    const { x, w, bias, dy } = inputs(c);
    const before = [x, w, bias, dy].map((t) => t.dataSync().slice());
    tf.tidy(() => {
      tf.fused.conv2d({ x, filter: w, strides: 1, pad: 'valid', bias, activation: 'relu' });
      tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', inputShape: x.shape } as unknown as tf.NamedAttrMap);
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', filterShape: w.shape } as unknown as tf.NamedAttrMap);
    });
    [x, w, bias, dy].forEach((t, i) => expect(Array.from(t.dataSync())).toEqual(Array.from(before[i])));
    tf.dispose([x, w, bias, dy]);
  });
});
