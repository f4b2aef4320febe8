// Conv2D and FusedConv2D on Descent's wasm kernels (im2row + the GEMM, bias and
// relu fused) and on XNNPACK's convolution (the other route), against tfjs's
// cpu kernels on random inputs, over strides, paddings and dilations, and
// including what falls back (other activations); inputs untouched, nothing leaked.
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { gemmRouting } from '../src/kernels/gemm.js';
import { patchLimits } from '../src/kernels/patches.js';
import { activate, expectClose, expectNoLeak, on, randomArray } from './util.js';

interface Case {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: [number, number];
  pad: 'valid' | 'same' | number[][];
  dilations?: [number, number];
}

const cases: Case[] = [
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 4], strides: [1, 1], pad: 'valid' },
  { x: [2, 8, 7, 3], filter: [3, 3, 3, 5], strides: [1, 1], pad: 'same' },
  { x: [3, 9, 10, 2], filter: [3, 2, 2, 9], strides: [2, 2], pad: 'same' },
  { x: [2, 11, 9, 4], filter: [3, 3, 4, 2], strides: [2, 3], pad: 'valid' },
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 17], strides: [1, 1], pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  { x: [2, 10, 11, 3], filter: [3, 2, 3, 4], strides: [1, 1], pad: 'same', dilations: [2, 3] },
  { x: [1, 9, 9, 2], filter: [1, 3, 2, 8], strides: [1, 1], pad: 'valid', dilations: [1, 2] },
  { x: [4, 28, 28, 1], filter: [3, 3, 1, 32], strides: [1, 1], pad: 'valid' },
  { x: [8, 13, 13, 32], filter: [3, 3, 32, 64], strides: [1, 1], pad: 'valid' }, // patches split across the pool
];

const name = (c: Case) => `x ${c.x.join('×')}, filter ${c.filter.join('×')}, strides ${c.strides}, pad ${JSON.stringify(c.pad)}${c.dilations ? `, dilations ${c.dilations}` : ''}`;

function inputs(c: Case) {
  const x = tf.tensor4d(randomArray(tf.util.sizeFromShape(c.x), 1), c.x);
  const w = tf.tensor4d(randomArray(tf.util.sizeFromShape(c.filter), 2), c.filter);
  const bias = tf.tensor1d(randomArray(c.filter[3], 3));
  return { x, w, bias };
}

async function compare(what: string, f: () => tf.Tensor): Promise<void> {
  const expected = await on('cpu', f);
  const actual = await on('descent', f);
  expectClose(actual, expected, what, 1e-5, 1e-5);
  await activate('descent');
  expectNoLeak(() => tf.tidy(() => void f()));
}

describe('Descent wasm convolutions', () => {
  afterEach(() => {
    gemmRouting.force = 'auto';
  });

  for (const c of cases) {
    it(`Conv2D and FusedConv2D (bias, relu; elu falls back) on both routes: ${name(c)}`, async () => {
      const d = c.dilations ?? [1, 1];
      const plain = () => {
        const { x, w } = inputs(c);
        return tf.conv2d(x, w, c.strides, c.pad as 'valid', 'NHWC', d);
      };
      const fused = (activation: 'linear' | 'relu' | 'elu', withBias: boolean) => () => {
        const { x, w, bias } = inputs(c);
        return tf.fused.conv2d({ x, filter: w, strides: c.strides, pad: c.pad as 'valid', dilations: d, bias: withBias ? bias : undefined, activation });
      };
      for (const route of ['gemm', 'xnnpack'] as const) {
        gemmRouting.force = route;
        await compare(`conv2d (${route})`, plain);
        await compare(`fused relu + bias (${route})`, fused('relu', true));
        await compare(`fused relu, no bias (${route})`, fused('relu', false));
        await compare(`fused linear + bias (${route})`, fused('linear', true));
        await compare(`fused elu + bias (${route})`, fused('elu', true));
      }
    });
  }

  it('patches over the limit take XNNPACK, with the same values', async () => {
    const c = cases[1];
    const f = () => {
      const { x, w, bias } = inputs(c);
      return tf.fused.conv2d({ x, filter: w, strides: c.strides, pad: c.pad as 'valid', bias, activation: 'relu' });
    };
    const floats = patchLimits.floats;
    gemmRouting.force = 'gemm';
    try {
      patchLimits.floats = 0;
      await compare('over the limit', f);
    } finally {
      patchLimits.floats = floats;
    }
  });

  it('the GEMM route runs where the kernel pool has more threads than XNNPACK (the default with threads)', async () => {
    await activate('descent');
    const { wasmAdapter } = await import('../src/index.js');
    const info = wasmAdapter.capabilities.info as { optimThreads: number; xnnpackThreads: number };
    const { preferGemmConv } = await import('../src/kernels/gemm.js');
    expect(preferGemmConv()).toBe(info.optimThreads > info.xnnpackThreads);
    gemmRouting.force = 'xnnpack';
    expect(preferGemmConv()).toBe(false);
    gemmRouting.force = 'gemm';
    expect(preferGemmConv()).toBe(true);
  });
});
