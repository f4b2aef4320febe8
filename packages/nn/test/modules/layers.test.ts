import * as tf from '@tensorflow/tfjs-core';
import { Generator, InvalidArgumentError, manualSeed } from '@descent/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  Embedding,
  Flatten,
  GELU,
  Identity,
  Linear,
  MaxPool2d,
  ReLU,
  Sequential,
  Sigmoid,
  Tanh,
  calculateFanInAndFanOut,
  calculateGain,
  init,
  kaimingNormal,
  kaimingUniform,
  normal_,
  ones_,
  uniform_,
  xavierNormal,
  xavierUniform,
  zeros_,
  type Module,
} from '../../src/index.js';
import { cpu, expectClose, expectNoLeak, fixture, fromJson, type TensorJson } from './setup.js';
import { TWINS } from './twins.js';

beforeAll(cpu);

const values = (t: tf.Tensor) => Array.from(t.dataSync());

function stats(t: tf.Tensor): { min: number; max: number; mean: number; std: number } {
  const v = values(t);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return { min: Math.min(...v), max: Math.max(...v), mean, std };
}

function expectInvalid(fn: () => unknown, parameter: string, message: string | RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(InvalidArgumentError);
  expect((error as InvalidArgumentError).parameter).toBe(parameter);
  expect((error as Error).message).toMatch(message);
}

describe('Linear', () => {
  it('maps the last axis, with tfjs [in, out] weight and torch [out, in] in files', () => {
    const lin = new Linear(3, 2);
    expect(lin.weight.shape).toEqual([3, 2]);
    expect(lin.stateEntries().map((e) => [e.key, e.torchPermutation])).toEqual([
      ['weight', [1, 0]],
      ['bias', null],
    ]);
    const x = tf.tensor([[1, 2, 3]]);
    const want = tf.tidy(() => tf.add(tf.matMul(x, lin.weight), lin.bias!));
    expectNoLeak(() => {
      const y = lin.forward(x);
      expect(values(y)).toEqual(values(want));
      y.dispose();
    });
    const x3 = tf.ones([4, 5, 3]);
    const y3 = lin.forward(x3);
    expect(y3.shape).toEqual([4, 5, 2]);
    const x1 = tf.ones([3]);
    const y1 = lin.forward(x1);
    expect(y1.shape).toEqual([2]);
    tf.dispose([x, want, x3, y3, x1, y1]);
    lin.dispose();
  });

  it("initializes as torch: weight and bias U(±1/√inFeatures), from the seeded generator", () => {
    manualSeed(0);
    const a = new Linear(400, 300);
    manualSeed(0);
    const b = new Linear(400, 300);
    const c = new Linear(400, 300);
    expect(values(a.weight)).toEqual(values(b.weight));
    expect(values(a.bias!)).toEqual(values(b.bias!));
    expect(values(c.weight)).not.toEqual(values(b.weight));
    const bound = 1 / Math.sqrt(400);
    const w = stats(a.weight);
    expect(w.min).toBeGreaterThanOrEqual(-bound);
    expect(w.max).toBeLessThanOrEqual(bound);
    expect(w.max).toBeGreaterThan(bound * 0.999);
    expect(Math.abs(w.mean)).toBeLessThan(bound * 0.01);
    expect(w.std).toBeCloseTo(bound / Math.sqrt(3), 4);
    const bias = stats(a.bias!);
    expect(bias.min).toBeGreaterThanOrEqual(-bound);
    expect(bias.max).toBeLessThanOrEqual(bound);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('has no bias with bias: false, and rejects bad sizes and inputs', () => {
    const lin = new Linear(2, 2, { bias: false });
    expect(lin.bias).toBeNull();
    expect(Object.keys(lin.stateDict())).toEqual(['weight']);
    const x = tf.ones([4, 5]);
    expectInvalid(() => lin.forward(x), 'input', 'mat1 and mat2 shapes cannot be multiplied (4x5 and 2x2)');
    expectInvalid(() => new Linear(0, 2), 'inFeatures', 'inFeatures must be a positive integer, got 0');
    expectInvalid(() => new Linear(2, 1.5), 'outFeatures', 'got 1.5');
    expectInvalid(() => new Linear(2, 2, { bias: 1 as unknown as boolean }), 'bias', 'bias must be a boolean, got 1');
    x.dispose();
    lin.dispose();
  });
});

describe('Conv2d', () => {
  it('keeps an HWIO weight [kh, kw, in/groups, out], OIHW in files, and initializes from fanIn = in/groups·kh·kw', () => {
    manualSeed(3);
    const conv = new Conv2d(8, 16, [3, 5], { groups: 4 });
    expect(conv.weight.shape).toEqual([3, 5, 2, 16]);
    expect(conv.stateEntries()[0].torchPermutation).toEqual([3, 2, 0, 1]);
    const bound = 1 / Math.sqrt(2 * 3 * 5);
    for (const t of [conv.weight, conv.bias!]) {
      const s = stats(t);
      expect(s.min).toBeGreaterThanOrEqual(-bound);
      expect(s.max).toBeLessThanOrEqual(bound);
    }
    expect(stats(conv.weight).max).toBeGreaterThan(bound * 0.95);
    conv.dispose();
  });

  it('computes the output shapes of torch for padding, stride, dilation (together too), same and valid', () => {
    const x = tf.randomNormal([2, 11, 9, 4], 0, 1, 'float32', 5);
    const cases: Array<[ConstructorParameters<typeof Conv2d>[3], number[]]> = [
      [{}, [2, 9, 7, 6]],
      [{ padding: 1 }, [2, 11, 9, 6]],
      [{ padding: [2, 0] }, [2, 13, 7, 6]],
      [{ padding: 'same' }, [2, 11, 9, 6]],
      [{ padding: 'same', dilation: 2 }, [2, 11, 9, 6]],
      [{ padding: 'valid' }, [2, 9, 7, 6]],
      [{ stride: 2 }, [2, 5, 4, 6]],
      [{ stride: [2, 1], dilation: [1, 2] }, [2, 5, 5, 6]],
      [{ stride: 2, dilation: 2, padding: 2 }, [2, 6, 5, 6]],
      [{ groups: 2 }, [2, 9, 7, 6]],
    ];
    for (const [options, shape] of cases) {
      const conv = new Conv2d(4, 6, 3, options);
      expectNoLeak(() => {
        const y = conv.forward(x);
        expect(y.shape, JSON.stringify(options)).toEqual(shape);
        y.dispose();
      });
      conv.dispose();
    }
    const conv = new Conv2d(4, 6, 3);
    const x3 = tf.ones([5, 5, 4]);
    const y3 = conv.forward(x3);
    expect(y3.shape).toEqual([3, 3, 6]);
    tf.dispose([x, x3, y3]);
    conv.dispose();
  });

  it('runs groups = inChannels as depthwise with output channel c·m + j reading input channel c, like the split path', () => {
    manualSeed(4);
    const dw = new Conv2d(3, 6, 3, { groups: 3, padding: 1 });
    const x = tf.randomNormal([1, 5, 5, 3], 0, 1, 'float32', 6);
    const y = dw.forward(x);
    const ref = tf.tidy(() => {
      // Per group (one input channel each), a plain conv with that group's two output channels.
      const ws = tf.split(dw.weight, 3, 3);
      const xs = tf.split(x, 3, 3);
      return tf.add(tf.concat(xs.map((xi, i) => tf.conv2d(xi as tf.Tensor4D, ws[i] as tf.Tensor4D, 1, [[0, 0], [1, 1], [1, 1], [0, 0]])), 3), dw.bias!);
    });
    expectClose(y, { shape: ref.shape, dtype: 'float32', data: values(ref) }, 1e-6, 'depthwise');
    tf.dispose([x, y, ref]);
    dw.dispose();
  });

  it('rejects what torch rejects, naming the parameter', () => {
    expectInvalid(() => new Conv2d(4, 6, 3, { groups: 3 }), 'groups', 'in_channels must be divisible by groups');
    expectInvalid(() => new Conv2d(4, 6, 3, { groups: 4 }), 'groups', 'out_channels must be divisible by groups');
    expectInvalid(() => new Conv2d(4, 4, 3, { groups: 0 }), 'groups', 'groups must be a positive integer');
    expectInvalid(() => new Conv2d(4, 4, 3, { padding: 'same', stride: 2 }), 'padding', "padding='same' is not supported for strided convolutions");
    expectInvalid(() => new Conv2d(4, 4, 3, { padding: 'full' as 'same' }), 'padding', `Invalid padding string "full", should be one of 'valid', 'same'`);
    expectInvalid(() => new Conv2d(4, 4, 0), 'kernelSize', 'kernelSize must be an integer >= 1 or a pair of them, got 0');
    expectInvalid(() => new Conv2d(4, 4, 3, { padding: -1 }), 'padding', 'padding must be an integer >= 0');
    expectInvalid(() => new Conv2d(4, 4, 3, { stride: [1, 2, 3] as unknown as number }), 'stride', 'got [1, 2, 3]');
    const conv = new Conv2d(4, 4, 3);
    const x = tf.ones([1, 5, 5, 3]);
    expectInvalid(() => conv.forward(x), 'input', 'Given groups=1, weight of size [3, 3, 4, 4], expected a 4D NHWC (or 3D HWC) input with 4 channels on the last axis, but got input of shape [1, 5, 5, 3]');
    x.dispose();
    conv.dispose();
  });
});

describe('pooling', () => {
  // A 4x4 single-channel image, values 1..16.
  const image = () => tf.tensor4d(Array.from({ length: 16 }, (_, i) => i + 1), [1, 4, 4, 1]);

  it('MaxPool2d: torch windows, padding never wins', () => {
    const x = tf.neg(image());
    const y = new MaxPool2d(2).forward(x);
    expect(values(y)).toEqual([-1, -3, -9, -11]);
    const padded = new MaxPool2d(3, { stride: 2, padding: 1 }).forward(x);
    // Windows rows/cols {-1..1} and {1..3}: every value is negative, so zero padding would show.
    expect(values(padded)).toEqual([-1, -2, -5, -6]);
    expectInvalid(() => new MaxPool2d(2, { padding: 2 }), 'padding', 'pad should be at most half of kernel size');
    tf.dispose([x, y, padded]);
  });

  it('AvgPool2d: countIncludePad true (torch default) divides by the full window, false by the real elements', () => {
    const x = image();
    const include = new AvgPool2d(2, { padding: 1 }).forward(x);
    const exclude = new AvgPool2d(2, { padding: 1, countIncludePad: false }).forward(x);
    // Output 3x3; corner window holds only x[0,0] = 1.
    expect(values(include)[0]).toBeCloseTo(1 / 4, 6);
    expect(values(exclude)[0]).toBeCloseTo(1, 6);
    // Edge window (row -1..0, cols 1..2) holds 2 and 3.
    expect(values(include)[1]).toBeCloseTo(5 / 4, 6);
    expect(values(exclude)[1]).toBeCloseTo(5 / 2, 6);
    // Centre window: rows 1..2, cols 1..2: 6, 7, 10, 11.
    expect(values(include)[4]).toBeCloseTo(8.5, 5);
    expect(values(exclude)[4]).toBeCloseTo(8.5, 5);
    const divided = new AvgPool2d(2, { padding: 1, divisorOverride: 2 }).forward(x);
    expect(values(divided)[0]).toBeCloseTo(1 / 2, 6);
    expect(values(divided)[4]).toBeCloseTo(34 / 2, 5);
    const plain = new AvgPool2d([2, 2], { stride: [2, 2] }).forward(x);
    expect(values(plain)).toEqual([3.5, 5.5, 11.5, 13.5]);
    expectInvalid(() => new AvgPool2d(2, { divisorOverride: 0 }), 'divisorOverride', 'divisor must be not zero');
    expectInvalid(() => new AvgPool2d(3, { padding: 2 }), 'padding', 'pad should be at most half of kernel size');
    expectInvalid(() => new AvgPool2d(2).forward(tf.ones([4, 4])), 'input', 'expected a 4D NHWC (or 3D HWC) input');
    tf.dispose([x, include, exclude, divided, plain]);
  });

  it('AvgPool2d with counted padding differentiates as torch: every window passes 1/k² back', () => {
    const x = image();
    const pool = new AvgPool2d(2, { padding: 1 });
    const g = tf.grad((t: tf.Tensor) => tf.sum(pool.forward(t)))(x);
    // Each input sits in exactly one 2x2 window of stride 2: gradient 1/4 everywhere.
    expect(values(g)).toEqual(new Array(16).fill(0.25));
    tf.dispose([x, g]);
  });
});

describe('BatchNorm2d', () => {
  const batch = () => tf.tensor4d([1, 10, 2, 20, 3, 30, 6, 60], [2, 2, 1, 2]); // channel 0: 1,2,3,6; channel 1: ×10

  it('training: batch statistics (biased variance), running stats with the unbiased variance, counter +1', () => {
    const bn = new BatchNorm2d(2);
    const x = batch();
    const y = bn.forward(x);
    // mean 3, biased var 3.5, unbiased 14/3
    const ch0 = [1, 2, 3, 6].map((v) => (v - 3) / Math.sqrt(3.5 + 1e-5));
    expectClose({ shape: [4], data: values(y).filter((_, i) => i % 2 === 0) }, { shape: [4], dtype: 'float32', data: ch0 }, 1e-5);
    expectClose(bn.runningMean!, { shape: [2], dtype: 'float32', data: [0.3, 3] }, 1e-6);
    expectClose(bn.runningVar!, { shape: [2], dtype: 'float32', data: [0.9 + (0.1 * 14) / 3, 0.9 + (0.1 * 1400) / 3] }, 1e-6);
    expect(bn.numBatchesTracked!.dtype).toBe('int32');
    expect(values(bn.numBatchesTracked!)).toEqual([1]);
    tf.dispose([x, y]);
    bn.dispose();
  });

  it('eval: the running statistics, and nothing updated', () => {
    const bn = new BatchNorm2d(2, { eps: 0 });
    tf.tidy(() => {
      bn.runningMean!.assign(tf.tensor1d([1, 2]));
      bn.runningVar!.assign(tf.tensor1d([4, 16]));
      bn.weight!.assign(tf.tensor1d([2, 1]));
      bn.bias!.assign(tf.tensor1d([0, 1]));
    });
    bn.eval();
    const x = batch();
    const y = bn.forward(x);
    expect(values(y)).toEqual([0, 3, 1, 5.5, 2, 8, 5, 15.5]);
    expect(values(bn.numBatchesTracked!)).toEqual([0]);
    expect(values(bn.runningMean!)).toEqual([1, 2]);
    tf.dispose([x, y]);
    bn.dispose();
  });

  it('momentum: null keeps a cumulative average; trackRunningStats: false has no buffers and uses batch stats in eval', () => {
    const bn = new BatchNorm2d(2, { momentum: null });
    const x = batch();
    const x2 = tf.mul(x, 2);
    tf.dispose([bn.forward(x), bn.forward(x2)]);
    expectClose(bn.runningMean!, { shape: [2], dtype: 'float32', data: [(3 + 6) / 2, (30 + 60) / 2] }, 1e-6);
    expect(values(bn.numBatchesTracked!)).toEqual([2]);
    const free = new BatchNorm2d(2, { trackRunningStats: false, affine: false });
    expect(Object.keys(free.stateDict())).toEqual([]);
    expect(free.parameters()).toEqual([]);
    free.eval();
    const y = free.forward(x);
    expect(stats(y).mean).toBeCloseTo(0, 6);
    tf.dispose([x, x2, y]);
    bn.dispose();
  });

  it("rejects what torch rejects", () => {
    const bn = new BatchNorm2d(3);
    expectInvalid(() => bn.forward(tf.ones([2, 3])), 'input', 'BatchNorm2d: expected 4D input (got 2D input)');
    expectInvalid(() => bn.forward(tf.ones([2, 2, 2, 4])), 'input', 'BatchNorm2d: expected 3 channels on the last axis, got input of shape [2, 2, 2, 4]');
    expectInvalid(() => bn.forward(tf.ones([1, 1, 1, 3])), 'input', 'Expected more than 1 value per channel when training, got input size [1, 1, 1, 3]');
    expectInvalid(() => new BatchNorm2d(3, { momentum: NaN }), 'momentum', 'Invalid momentum: NaN');
    expectInvalid(() => new BatchNorm2d(0), 'numFeatures', 'numFeatures must be a positive integer');
    bn.dispose();
  });

  it('BatchNorm1d takes [N, C] and [N, L, C]', () => {
    const bn = new BatchNorm1d(3);
    const a = tf.randomNormal([8, 3]);
    const b = tf.randomNormal([4, 5, 3]);
    tf.dispose([bn.forward(a), bn.forward(b)]);
    expect(values(bn.numBatchesTracked!)).toEqual([2]);
    expectInvalid(() => bn.forward(tf.ones([2, 2, 2, 3])), 'input', 'BatchNorm1d: expected 2D or 3D input (got 4D input)');
    tf.dispose([a, b]);
    bn.dispose();
  });
});

describe('Dropout', () => {
  it('is the identity in eval mode (a new tensor), and zeroes p of the elements in training, scaling the rest by 1/(1 − p)', () => {
    const drop = new Dropout(0.25);
    const x = tf.ones([100, 100]);
    drop.eval();
    const same = drop.forward(x);
    expect(same).not.toBe(x);
    expect(values(same).every((v) => v === 1)).toBe(true);
    drop.train();
    const y = drop.forward(x);
    const v = values(y);
    const zeros = v.filter((e) => e === 0).length / v.length;
    expect(zeros).toBeGreaterThan(0.23);
    expect(zeros).toBeLessThan(0.27);
    expect(v.filter((e) => e !== 0).every((e) => Math.abs(e - 1 / 0.75) < 1e-6)).toBe(true);
    tf.dispose([x, same, y]);
  });

  it('draws its masks from the seeded generator: manualSeed reproduces them', () => {
    const drop = new Dropout(0.5);
    const x = tf.ones([64]);
    manualSeed(42);
    const a = drop.forward(x);
    const b = drop.forward(x);
    manualSeed(42);
    const c = drop.forward(x);
    expect(values(a)).toEqual(values(c));
    expect(values(a)).not.toEqual(values(b));
    tf.dispose([x, a, b, c]);
  });

  it('passes gradients through the kept elements only; p = 0 and p = 1 are exact', () => {
    const drop = new Dropout(0.5);
    const x = tf.ones([32]);
    manualSeed(1);
    const y = drop.forward(x);
    manualSeed(1);
    const g = tf.grad((t: tf.Tensor) => tf.sum(drop.forward(t)))(x);
    expect(values(g)).toEqual(values(y));
    const all = new Dropout(1).forward(x);
    expect(values(all).every((e) => e === 0)).toBe(true);
    const none = new Dropout(0).forward(x);
    expect(values(none).every((e) => e === 1)).toBe(true);
    expectInvalid(() => new Dropout(1.5), 'p', 'dropout probability has to be between 0 and 1, but got 1.5');
    tf.dispose([x, y, g, all, none]);
  });
});

describe('Flatten', () => {
  it("flattens an NHWC image in torch's NCHW order, so a Linear after it has torch's weight", () => {
    // NHWC [1, 2, 2, 3]: element (h, w, c) = 100c + 10h + w
    const data: number[] = [];
    for (let h = 0; h < 2; h++) for (let w = 0; w < 2; w++) for (let c = 0; c < 3; c++) data.push(100 * c + 10 * h + w);
    const x = tf.tensor4d(data, [1, 2, 2, 3]);
    const y = new Flatten().forward(x);
    expect(y.shape).toEqual([1, 12]);
    expect(values(y)).toEqual([0, 1, 10, 11, 100, 101, 110, 111, 200, 201, 210, 211]);
    const stored = new Flatten(1, -1, { torchOrder: false }).forward(x);
    expect(values(stored)).toEqual(data);
    const partial = new Flatten(2).forward(x); // torch: [1, C, H*W]
    expect(partial.shape).toEqual([1, 3, 4]);
    const all = new Flatten(0).forward(x);
    expect(all.shape).toEqual([12]);
    const seq = tf.ones([2, 3, 4]);
    const s = new Flatten().forward(seq);
    expect(s.shape).toEqual([2, 12]);
    expectInvalid(() => new Flatten(2, 1).forward(x), 'startDim', 'flatten() has invalid args: start_dim cannot come after end_dim');
    expectInvalid(() => new Flatten(5).forward(x), 'startDim', 'Dimension out of range (expected to be in range of [-4, 3], but got 5)');
    tf.dispose([x, y, stored, partial, all, seq, s]);
  });

  it('one channel or a 1×1 image: the same order without a transpose (a reshape shares memory)', async () => {
    const oneChannel = tf.reshape(tf.range(0, 24), [2, 3, 4, 1]);
    const onePixel = tf.reshape(tf.range(0, 10), [2, 1, 1, 5]);
    for (const x of [oneChannel, onePixel]) {
      const want = tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [x.shape[0], -1]);
      const profile = await tf.profile(() => new Flatten().forward(x));
      expect(profile.kernels.map((k) => k.name)).not.toContain('Transpose');
      const y = new Flatten().forward(x);
      expect(values(y)).toEqual(values(want));
      expect(y.shape).toEqual(want.shape);
      tf.dispose([want, y, profile.result as tf.Tensor]);
    }
    tf.dispose([oneChannel, onePixel]);
  });
});

describe('activations', () => {
  const act = fixture<{ activations: Record<string, TensorJson> }>('nn-modules.json').activations;

  it.each([
    ['relu', new ReLU()],
    ['gelu', new GELU()],
    ['geluTanh', new GELU({ approximate: 'tanh' })],
    ['tanh', new Tanh()],
    ['sigmoid', new Sigmoid()],
  ] as Array<[string, Module]>)("%s gives torch's values", (name, module) => {
    const x = fromJson(act.input);
    const y = module.forward(x);
    // tfjs's erf is a polynomial approximation (|error| < 1.5e-7).
    expectClose(y, act[name], name === 'gelu' ? 3e-6 : 1e-6, name);
    tf.dispose([x, y]);
  });

  it('GELU rejects other approximations; Identity is a new handle on the same values', () => {
    expectInvalid(() => new GELU({ approximate: 'erf' as 'none' }), 'approximate', 'approximate argument must be either none or tanh, got "erf"');
    const x = tf.ones([2]);
    const y = new Identity().forward(x);
    expect(y).not.toBe(x);
    expect(values(y)).toEqual([1, 1]);
    tf.dispose([x, y]);
  });
});

describe('Embedding', () => {
  it('looks up rows for int32 indices of any shape; initialized N(0, 1)', () => {
    manualSeed(9);
    const emb = new Embedding(1000, 50);
    const s = stats(emb.weight);
    expect(Math.abs(s.mean)).toBeLessThan(0.02);
    expect(s.std).toBeGreaterThan(0.98);
    expect(s.std).toBeLessThan(1.02);
    const idx = tf.tensor2d([[1, 2, 3], [4, 5, 999]], [2, 3], 'int32');
    const y = emb.forward(idx);
    expect(y.shape).toEqual([2, 3, 50]);
    expect(values(y).slice(0, 50)).toEqual(values(emb.weight).slice(50, 100));
    expectInvalid(() => emb.forward(tf.ones([2])), 'input', "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got float32 instead");
    tf.dispose([idx, y]);
    emb.dispose();
  });

  it("paddingIdx: the row starts at zero and never gets a gradient, though the forward reads it (torch's semantics)", () => {
    const emb = new Embedding(5, 3, { paddingIdx: -1 });
    expect(emb.paddingIdx).toBe(4);
    expect(values(emb.weight).slice(12)).toEqual([0, 0, 0]);
    tf.tidy(() => emb.weight.assign(tf.add(emb.weight, 1)));
    const idx = tf.tensor2d([[4, 1], [1, 4]], [2, 2], 'int32');
    expectNoLeak(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(emb.forward(idx)) as tf.Scalar, [emb.weight]);
      expect(value.dataSync()[0]).toBeGreaterThan(0);
      const g = values(grads[emb.weight.name]);
      expect(g).toEqual([0, 0, 0, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
      tf.dispose([value, ...Object.values(grads)]);
    });
    const y = emb.forward(idx);
    expect(values(y).slice(0, 3)).toEqual([1, 1, 1]); // the padding row as it is now
    expectInvalid(() => new Embedding(5, 3, { paddingIdx: 5 }), 'paddingIdx', 'Padding_idx must be within num_embeddings');
    tf.dispose([idx, y]);
    emb.dispose();
  });
});

describe('Sequential', () => {
  it("names children '0', '1', … or by an object's keys, and supports at, append, length and iteration", () => {
    const seq = new Sequential(new Linear(2, 3), new ReLU());
    expect(seq.namedChildren().map(([n]) => n)).toEqual(['0', '1']);
    seq.append(new Linear(3, 1));
    expect(seq.length).toBe(3);
    expect(seq.at(-1)).toBeInstanceOf(Linear);
    expect([...seq].map((m) => m.constructor.name)).toEqual(['Linear', 'ReLU', 'Linear']);
    expectInvalid(() => seq.at(3), 'index', 'index 3 is out of range');
    const named = new Sequential({ fc1: new Linear(2, 3), act: new ReLU(), fc2: new Linear(3, 1) });
    expect(Object.keys(named.stateDict())).toEqual(['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    const x = tf.ones([4, 2]);
    expectNoLeak(() => tf.dispose(named.forward(x)));
    const empty = new Sequential().forward(x);
    expect(empty).not.toBe(x);
    expectInvalid(() => new Sequential(new ReLU(), 3 as unknown as Module), 'modules', 'Sequential: 3 (at "1") is not a Module subclass');
    tf.dispose([x, empty]);
    seq.dispose();
    named.dispose();
  });
});

describe('init', () => {
  it("has torch's gains and fans (fans read in tfjs layouts: [in, out], [kh, kw, in, out])", () => {
    expect(calculateGain('linear')).toBe(1);
    expect(calculateGain('conv2d')).toBe(1);
    expect(calculateGain('sigmoid')).toBe(1);
    expect(calculateGain('tanh')).toBeCloseTo(5 / 3, 12);
    expect(calculateGain('relu')).toBeCloseTo(Math.SQRT2, 12);
    expect(calculateGain('leaky_relu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 12);
    expect(calculateGain('leaky_relu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 12);
    expect(calculateGain('selu')).toBe(0.75);
    expectInvalid(() => calculateGain('swish' as 'relu'), 'nonlinearity', 'Unsupported nonlinearity "swish"');
    expect(calculateFanInAndFanOut([3, 5])).toEqual([3, 5]);
    expect(calculateFanInAndFanOut([3, 3, 4, 8])).toEqual([36, 72]);
    expectInvalid(() => calculateFanInAndFanOut([4]), 'shape', 'Fan in and fan out can not be computed for tensor with fewer than 2 dimensions');
    expect(init.kaimingUniform).toBe(kaimingUniform);
  });

  it('fills variables in place with the documented distributions, reproducibly', () => {
    const v = tf.variable(tf.zeros([200, 300]), true, `init_${Date.now()}`);
    const check = (fill: () => void, bound: number | null, std: number) => {
      fill();
      const s = stats(v);
      if (bound !== null) {
        expect(s.max).toBeLessThanOrEqual(bound);
        expect(s.min).toBeGreaterThanOrEqual(-bound);
      }
      expect(s.std / std).toBeGreaterThan(0.98);
      expect(s.std / std).toBeLessThan(1.02);
    };
    check(() => uniform_(v, -2, 2), 2, 4 / Math.sqrt(12));
    check(() => normal_(v, 0, 3), null, 3);
    check(() => xavierUniform(v), Math.sqrt(6 / 500), Math.sqrt(2 / 500));
    check(() => xavierNormal(v, { gain: 2 }), null, 2 * Math.sqrt(2 / 500));
    check(() => kaimingUniform(v, { nonlinearity: 'relu' }), Math.sqrt(6 / 200), Math.sqrt(2 / 200));
    check(() => kaimingNormal(v, { mode: 'fan_out', nonlinearity: 'relu' }), null, Math.sqrt(2 / 300));
    zeros_(v);
    expect(stats(v).max).toBe(0);
    ones_(v);
    expect(stats(v).min).toBe(1);
    const a = values(uniform_(v, 0, 1, { generator: new Generator(5) }));
    const b = values(uniform_(v, 0, 1, { generator: new Generator(5) }));
    expect(a).toEqual(b);
    expectInvalid(() => uniform_(v, 1, 0), 'b', 'uniform_ expects to return a [from, to) range, but found from=1 > to=0');
    expectInvalid(() => normal_(v, 0, -1), 'std', 'normal expects std >= 0.0, but found std -1');
    expectInvalid(() => kaimingUniform(v, { mode: 'fanIn' as 'fan_in' }), 'mode', 'Mode "fanIn" not supported, please use one of fan_in, fan_out');
    const t = tf.zeros([2, 2]);
    expectInvalid(() => uniform_(t as tf.Variable), 'tensor', 'init functions fill a tf.Variable in place');
    tf.dispose([v, t]);
  });
});

describe('every twin in training mode', () => {
  it.each(Object.keys(TWINS))('%s: gradients reach every parameter, and forward/backward steps leave numTensors flat', (name) => {
    manualSeed(21);
    const model = TWINS[name]();
    model.train();
    const input =
      name === 'embedding'
        ? tf.tensor2d([[1, 0, 7], [7, 3, 0]], [2, 3], 'int32')
        : tf.randomNormal(name === 'mlp' ? [5, 6] : name === 'cnn' ? [2, 10, 10, 3] : [2, 9, 9, 4], 0, 1, 'float32', 3);
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(model.forward(input))) as tf.Scalar, model.parameters());
      for (const p of model.parameters()) {
        const g = grads[p.name];
        expect(g, p.name).toBeDefined();
        expect(g.shape).toEqual(p.shape);
        expect(values(g).some((v) => v !== 0), `${p.name} gets a non-zero gradient`).toBe(true);
      }
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    input.dispose();
    model.dispose();
  });
});
