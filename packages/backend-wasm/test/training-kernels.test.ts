// The backward kernels Descent adds to tfjs-wasm (and the two it replaces),
// against tfjs's cpu kernels on random inputs, over strides, paddings,
// dilations and channel multipliers; inputs untouched, nothing leaked.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { dilateFilter } from '@descent/core';
import { trainingKernels } from '../src/index.js';
import { filterGradientLimits } from '../src/kernels/conv-backprop-filter.js';
import { inputGradientLimits } from '../src/kernels/conv-backprop-input.js';
import { tiledPoolLimits } from '../src/kernels/max-pool.js';
import { gemmRouting } from '../src/kernels/gemm.js';
import { activate, expectClose, expectNoLeak, on, randomArray } from './util.js';

type Pad = 'valid' | 'same' | number[][];

interface ConvCase {
  x: number[];
  filter: number[];
  strides: [number, number];
  pad: Pad;
  dilations?: [number, number];
}

const conv: ConvCase[] = [
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 4], strides: [1, 1], pad: 'valid' },
  { x: [2, 8, 7, 3], filter: [3, 3, 3, 5], strides: [1, 1], pad: 'same' },
  { x: [3, 9, 10, 2], filter: [3, 2, 2, 4], strides: [2, 2], pad: 'same' },
  { x: [2, 11, 9, 4], filter: [3, 3, 4, 2], strides: [2, 3], pad: 'valid' },
  { x: [1, 8, 8, 2], filter: [2, 2, 2, 3], strides: [2, 2], pad: 'valid' },
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 2], strides: [1, 1], pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  { x: [2, 6, 6, 2], filter: [2, 2, 2, 2], strides: [1, 1], pad: [[0, 0], [3, 1], [0, 4], [0, 0]] },
  { x: [4, 28, 28, 1], filter: [3, 3, 1, 8], strides: [1, 1], pad: 'valid' },
];

const name = (c: ConvCase) => `x ${c.x.join('×')}, filter ${c.filter.join('×')}, strides ${c.strides}, pad ${JSON.stringify(c.pad)}${c.dilations ? `, dilations ${c.dilations}` : ''}`;

function convInputs(c: ConvCase, outShape: (x: tf.Tensor4D, w: tf.Tensor4D) => number[]) {
  const x = tf.tensor4d(randomArray(tf.util.sizeFromShape(c.x), 1), c.x as [number, number, number, number]);
  const w = tf.tensor4d(randomArray(tf.util.sizeFromShape(c.filter), 2), c.filter as [number, number, number, number]);
  const dyShape = outShape(x, w);
  const dy = tf.tensor4d(randomArray(tf.util.sizeFromShape(dyShape), 3), dyShape as [number, number, number, number]);
  return { x, w, dy };
}

/** Runs a kernel on cpu and on Descent wasm, compares, and checks wasm leaves inputs and memory as they were. */
async function compare(what: string, f: () => tf.Tensor, rtol = 1e-5, atol = 1e-5): Promise<void> {
  const expected = await on('cpu', f);
  const actual = await on('descent', f);
  expectClose(actual, expected, what, rtol, atol);
  await activate('descent');
  expectNoLeak(() => tf.tidy(() => void f()));
}

describe('Descent wasm training kernels', () => {
  it('are registered: the added kernels and the replaced ones', async () => {
    await activate('descent');
    expect(trainingKernels.replaced).toEqual(['MaxPoolGrad', 'Conv2DBackpropInput', 'Sum', 'Identity', 'Transpose', 'GatherV2', 'MaxPool']);
    expect(trainingKernels.added).toEqual(['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'UnsortedSegmentSum', 'DescentReluGrad']);
    for (const k of [...trainingKernels.added, ...trainingKernels.replaced]) expect(tf.getKernel(k, 'wasm'), k).toBeDefined();
  });

  for (const c of conv) {
    it(`Conv2DBackpropFilter (im2row + GEMM, im2col + XNNPACK, convolution) and Conv2DBackpropInput (col2im, correlation): ${name(c)}`, async () => {
      const make = () => convInputs(c, (x, w) => tf.conv2d(x, w, c.strides, c.pad as 'valid').shape);
      const dW = () => {
        const { x, w, dy } = make();
        return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: w.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
      };
      const limits = { ...filterGradientLimits };
      try {
        for (const route of ['gemm', 'xnnpack'] as const) {
          gemmRouting.force = route;
          await compare(`dW (patches, ${route})`, dW);
        }
        gemmRouting.force = 'auto';
        filterGradientLimits.patchFloats = 0;
        await compare('dW (convolution)', dW);
      } finally {
        Object.assign(filterGradientLimits, limits);
        gemmRouting.force = 'auto';
      }
      const dx = () => {
        const { x, w, dy } = make();
        return tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
      };
      await compare('dx (matmul + col2im)', dx);
      const colFloats = inputGradientLimits.colFloats;
      try {
        inputGradientLimits.colFloats = 0;
        await compare('dx (full correlation)', dx);
      } finally {
        inputGradientLimits.colFloats = colFloats;
      }
    });
  }

  const depthwise: ConvCase[] = [
    { x: [2, 9, 9, 3], filter: [3, 3, 3, 1], strides: [1, 1], pad: 'valid' },
    { x: [2, 8, 7, 3], filter: [3, 3, 3, 2], strides: [1, 1], pad: 'same' },
    { x: [3, 9, 10, 2], filter: [3, 2, 2, 3], strides: [2, 2], pad: 'same' },
    { x: [2, 11, 9, 4], filter: [3, 3, 4, 1], strides: [2, 1], pad: 'valid' },
    { x: [2, 10, 10, 3], filter: [3, 3, 3, 2], strides: [1, 1], pad: 'same', dilations: [2, 2] },
    { x: [2, 10, 11, 2], filter: [2, 3, 2, 1], strides: [1, 1], pad: 'valid', dilations: [2, 3] },
  ];
  for (const c of depthwise) {
    it(`DepthwiseConv2dNativeBackpropFilter and ...Input: ${name(c)}`, async () => {
      const dilations = c.dilations ?? [1, 1];
      const make = () => convInputs(c, (x, w) => tf.depthwiseConv2d(x, w, c.strides, c.pad as 'valid', 'NHWC', dilations).shape);
      const attrs = { strides: c.strides, pad: c.pad, dilations };
      const run = (kernel: string, inputs: tf.NamedTensorMap, extra: object) => tf.engine().runKernel(kernel, inputs, { ...attrs, ...extra } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
      // tfjs cpu's depthwise backprop kernels ignore `dilations`; the reference for a dilated case is
      // the undilated kernel on the filter spread by zeros (what @descent/core's gradient does).
      const spread = (w: tf.Tensor4D) => dilateFilter(w, dilations);
      const taps = (g: tf.Tensor4D, w: tf.Tensor4D) => tf.stridedSlice(g, [0, 0, 0, 0], [g.shape[0], g.shape[1], w.shape[2], w.shape[3]], [...dilations, 1, 1]);
      const dilated = dilations[0] > 1 || dilations[1] > 1;
      const expected = async (f: () => tf.Tensor) => on('cpu', f);
      const dW = () => {
        const { x, w, dy } = make();
        return run('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { filterShape: w.shape });
      };
      const dWSpread = () => {
        const { x, w, dy } = make();
        return taps(run('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { filterShape: spread(w).shape, dilations: [1, 1] }), w);
      };
      const dx = () => {
        const { x, w, dy } = make();
        return run('DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, { inputShape: x.shape });
      };
      const dxSpread = () => {
        const { x, w, dy } = make();
        return run('DepthwiseConv2dNativeBackpropInput', { dy, filter: spread(w) }, { inputShape: x.shape, dilations: [1, 1] });
      };
      if (!dilated) {
        await compare('dW', dW);
        await compare('dx', dx);
        return;
      }
      expectClose(await on('descent', dW), await expected(dWSpread), 'dW (dilated)', 1e-5, 1e-5);
      expectClose(await on('descent', dx), await expected(dxSpread), 'dx (dilated)', 1e-5, 1e-5);
      await activate('descent');
      expectNoLeak(() => tf.tidy(() => void [dW(), dx()]));
    });
  }

  it('GatherV2 along axis 0 copies rows (float32, int32, repeated indices, 2-d indices); other axes keep the stock kernel; out of range throws', async () => {
    const table = () => tf.tensor(randomArray(7 * 3 * 4, 8), [7, 3, 4]);
    await compare('rows', () => tf.gather(table(), tf.tensor1d([6, 0, 6, 2], 'int32')), 0, 0);
    await compare('2-d indices', () => tf.gather(table(), tf.tensor2d([[1, 4], [4, 0]], [2, 2], 'int32')), 0, 0);
    await compare('int32 rows', () => tf.gather(tf.reshape(tf.range(0, 12, 1, 'int32'), [6, 2]), tf.tensor1d([5, 5, 1], 'int32')), 0, 0);
    await compare('axis 1 (stock)', () => tf.gather(table(), tf.tensor1d([2, 0], 'int32'), 1), 0, 0);
    await compare('no indices', () => tf.gather(table(), tf.tensor1d([], 'int32')), 0, 0);
    await activate('descent');
    expect(() => tf.gather(table(), tf.tensor1d([7], 'int32'))).toThrow(/GatherV2: the index value 7 is not in \[0, 6\]/);
  });

  it('DescentReluGrad: dy · step(y) in one pass, bit for bit as the Step and Multiply kernels (NaN, ±0, ±Inf, split across the pool)', async () => {
    const n = 70_001; // past the pool's split size, with a tail of one
    const special = [NaN, 0, -0, Infinity, -Infinity, 1e-45, -1e-45];
    const y = tf.tensor(Float32Array.from(randomArray(n, 9), (v, i) => (i < special.length ? special[i] : v)));
    const dy = tf.tensor(Float32Array.from(randomArray(n, 10), (v, i) => (i >= 7 && i < 14 ? special[i - 7] : v)));
    await activate('descent');
    const fused = tf.engine().runKernel('DescentReluGrad', { dy, y }, {}) as tf.Tensor;
    const composite = tf.mul(dy, tf.step(y));
    const bits = (t: tf.Tensor) => new Uint32Array((t.dataSync() as Float32Array).slice().buffer);
    expect(bits(fused)).toEqual(bits(composite));
    // Other shapes broadcast through the Step and Multiply kernels.
    const row = tf.tensor1d([1, -1, 0]);
    const broadcast = tf.engine().runKernel('DescentReluGrad', { dy: tf.ones([2, 3]), y: row }, {}) as tf.Tensor;
    expect(broadcast.arraySync()).toEqual([[1, 0, 0], [1, 0, 0]]);
    expectNoLeak(() => tf.tidy(() => void tf.engine().runKernel('DescentReluGrad', { dy, y }, {})));
    tf.dispose([y, dy, fused, composite, row, broadcast]);
  });

  it('UnsortedSegmentSum: repeated, missing and out-of-range ids, as the gradient of tf.gather', async () => {
    const ids = [3, 0, 3, 3, 1, -1, 7, 0];
    await compare(
      'segment sums',
      () => tf.unsortedSegmentSum(tf.tensor2d(randomArray(8 * 5, 4), [8, 5]), tf.tensor1d(ids, 'int32'), 6),
      0,
      0,
    );
    await compare('embedding gradient', () =>
      tf.grad((table: tf.Tensor) => tf.sum(tf.mul(tf.gather(table, tf.tensor2d([[1, 4, 1], [4, 4, 0]], [2, 3], 'int32')), tf.tensor(randomArray(2 * 3 * 6, 5), [2, 3, 6]))))(
        tf.tensor2d(randomArray(5 * 6, 6), [5, 6]),
      ),
    );
  });

  const pools: { x: number[]; size: [number, number]; strides: [number, number]; pad: 'valid' | 'same' }[] = [
    { x: [2, 8, 8, 3], size: [2, 2], strides: [2, 2], pad: 'valid' },
    { x: [2, 9, 9, 4], size: [3, 3], strides: [2, 2], pad: 'same' },
    { x: [1, 7, 6, 2], size: [3, 2], strides: [1, 1], pad: 'valid' },
    { x: [4, 26, 26, 8], size: [2, 2], strides: [2, 2], pad: 'valid' },
    // Tiling from the corner with rows and columns left over, a scalar channel tail, split across the pool.
    { x: [2, 11, 9, 6], size: [2, 2], strides: [2, 2], pad: 'valid' },
    { x: [3, 7, 8, 5], size: [3, 2], strides: [3, 2], pad: 'valid' },
    { x: [16, 26, 26, 32], size: [2, 2], strides: [2, 2], pad: 'valid' },
    // Not overlapping, padded at the bottom/right, 4 SIMD channels and 2 more.
    { x: [2, 9, 7, 6], size: [2, 2], strides: [2, 2], pad: 'same' },
    { x: [1, 8, 9, 5], size: [2, 3], strides: [2, 3], pad: 'same' },
  ];
  for (const p of pools) {
    it(`MaxPool and MaxPoolGrad (stock tfjs-wasm loses all-negative windows): x ${p.x.join('×')}, ${p.size} / ${p.strides}, ${p.pad}`, async () => {
      // Shifted so that many windows are all negative, and relu'd so that many tie at 0.
      const input = () => tf.sub(tf.tensor(randomArray(tf.util.sizeFromShape(p.x), 7), p.x), 0.4) as tf.Tensor4D;
      await compare('y', () => tf.maxPool(input(), p.size, p.strides, p.pad), 0, 0);
      const minSize = tiledPoolLimits.minSize;
      try {
        tiledPoolLimits.minSize = 0; // Descent's kernel at every size (where the windows tile the input)
        await compare('y (Descent kernel)', () => tf.maxPool(input(), p.size, p.strides, p.pad), 0, 0);
      } finally {
        tiledPoolLimits.minSize = minSize;
      }
      for (const relu of [false, true]) {
        await compare(`dx (relu ${relu})`, () => {
          const x = relu ? tf.relu(input()) : input();
          const y = tf.maxPool(x, p.size, p.strides, p.pad);
          const dy = tf.tensor(randomArray(y.size, 8), y.shape);
          return tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, { filterSize: p.size, strides: p.strides, pad: p.pad } as unknown as tf.NamedAttrMap) as tf.Tensor;
        }, 0, 0);
      }
    });
  }

  it('MaxPool over tiling windows follows cpu with NaN: a NaN never wins, an all-NaN window gives -Infinity', async () => {
    tiledPoolLimits.minSize = 0;
    onTestFinished(() => void (tiledPoolLimits.minSize = 1 << 20));
    const values = randomArray(2 * 4 * 4 * 5, 11);
    for (const i of [0, 7, 21, 44, 45, 50, 51, 70, 71]) values[i] = NaN; // one window of channel 0 all NaN, others partly
    values[5 * 4 * 4] = NaN;
    const allNaN = new Float32Array(4 * 5).fill(NaN);
    for (const f of [() => tf.maxPool(tf.tensor4d(values, [2, 4, 4, 5]), 2, 2, 'valid'), () => tf.maxPool(tf.tensor4d(allNaN, [1, 2, 2, 5]), 2, 2, 'valid')]) {
      const expected = await on('cpu', f);
      const actual = await on('descent', f);
      expect(Array.from(actual.data)).toEqual(Array.from(expected.data)); // toEqual: NaN = NaN, -Infinity = -Infinity
    }
    expect((await on('descent', () => tf.maxPool(tf.tensor4d(allNaN, [1, 2, 2, 5]), 2, 2, 'valid'))).data[0]).toBe(-Infinity);
  });

  const sums: { shape: number[]; axis: number[]; keepDims?: boolean }[] = [
    { shape: [64, 26, 26, 32], axis: [0, 1, 2] },
    { shape: [8, 11, 11, 64], axis: [0, 1, 2], keepDims: true },
    { shape: [300, 7], axis: [0] },
    { shape: [20, 30, 5], axis: [1, 0] },
    { shape: [20, 30, 5], axis: [0, 2] },
    { shape: [10, 6], axis: [0] },
    { shape: [4, 5, 6], axis: [0, 1, 2] },
  ];
  for (const c of sums) {
    it(`Sum over axes [${c.axis}] of ${c.shape.join('×')}${c.keepDims ? ', keepDims' : ''} (leading axes go to XNNPACK)`, async () => {
      const x = () => tf.tensor(randomArray(tf.util.sizeFromShape(c.shape), 9), c.shape);
      // XNNPACK sums M float32 terms in blocks, cpu in float64: the error is bounded by about M·ε·max|x| (= 1
      // here), whatever the sum's own size, so the absolute tolerance grows with M (4e-3 for the largest case).
      const m = tf.util.sizeFromShape(c.shape.filter((_, i) => c.axis.includes(i)));
      await compare('sum', () => tf.sum(x(), c.axis, c.keepDims), 1e-6, 1e-7 * m);
    });
  }

  it('Sum of int32 keeps the stock kernel and is exact', async () => {
    await compare('int sum', () => tf.sum(tf.tensor2d(Array.from({ length: 600 }, (_, i) => (i * 7919) % 1000), [200, 3], 'int32'), 0), 0, 0);
  });

  it('Identity shares memory instead of copying, and the data lives until its last reference goes', async () => {
    await activate('descent');
    const backend = tf.backend() as unknown as { refCount(id: object): number };
    const x = tf.tensor2d(randomArray(12, 10), [3, 4]);
    const y = tf.clone(x);
    expect(y.dataId).toBe(x.dataId); // no copy
    expect(backend.refCount(x.dataId)).toBe(2);
    const want = Array.from(x.dataSync());
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual(want);
    expect(backend.refCount(y.dataId)).toBe(1);
    y.dispose();
    expect(backend.refCount(y.dataId)).toBe(0);
    const s = tf.clone(tf.tensor1d(['a', 'b'], 'string'));
    expect(s.dataSync()).toEqual(['a', 'b']);
  });

  it('a training step on saved tensors gives the same gradients as cpu (the tape clones what it saves)', async () => {
    const f = () => {
      const w = tf.variable(tf.tensor2d(randomArray(20, 11), [5, 4]));
      const x = tf.tensor2d(randomArray(15, 12), [3, 5]);
      const g = tf.grad((v: tf.Tensor) => tf.sum(tf.relu(tf.matMul(x, v as tf.Tensor2D))))(w);
      w.dispose();
      return g;
    };
    await compare('grad through saved tensors', f, 1e-6, 1e-6);
  });

  const transposes: Array<{ shape: number[]; perm: number[]; dtype?: 'float32' | 'int32' | 'bool' }> = [
    { shape: [256, 784], perm: [1, 0] },
    { shape: [7, 13], perm: [1, 0] },
    { shape: [1, 64, 10], perm: [0, 2, 1] },
    { shape: [3, 5, 9], perm: [0, 2, 1] },
    { shape: [2, 3, 4, 6], perm: [0, 1, 3, 2], dtype: 'int32' },
    { shape: [1, 1], perm: [1, 0] },
    { shape: [4, 6], perm: [1, 0], dtype: 'bool' },
    { shape: [2, 3, 4], perm: [2, 0, 1] },
    { shape: [0, 4], perm: [1, 0] },
  ];
  for (const c of transposes) {
    it(`Transpose ${c.shape.join('×')} by [${c.perm}]${c.dtype ? ` (${c.dtype})` : ''}: bit for bit as cpu`, async () => {
      const size = tf.util.sizeFromShape(c.shape);
      const values = c.dtype === 'bool' ? Array.from({ length: size }, (_, i) => (i * 7) % 3 === 0) : c.dtype === 'int32' ? Array.from({ length: size }, (_, i) => i * 7919 - 5000) : randomArray(size, 13);
      const f = () => tf.transpose(tf.tensor(values as number[], c.shape, c.dtype ?? 'float32'), c.perm);
      await compare(`transpose ${c.shape}`, f, 0, 0);
    });
  }
});
