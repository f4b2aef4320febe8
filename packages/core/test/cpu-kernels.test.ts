import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Generator, cpuKernelNames, cpuKernelsInstalled, installCpuKernels, uninstallCpuKernels, useBackend } from '../src/index.js';
import { cpuKernelImpl, stockCpuKernel } from '../src/cpu-kernels/install.js';

beforeAll(async () => {
  await useBackend('cpu');
});

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;
type Mode = 'plain' | 'ties' | 'special';

interface Case {
  label: string;
  inputs: Record<string, tf.Tensor>;
  attrs: Record<string, unknown>;
}

const SPECIALS = [0, -0, Infinity, -Infinity, NaN, 1e30, -1e-30, 3];

function fill(g: Generator, n: number, mode: Mode): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (mode === 'ties') out[i] = (g.randint(5) - 2) * 0.5;
    else if (mode === 'special' && g.random() < 0.08) out[i] = SPECIALS[g.randint(SPECIALS.length)];
    else out[i] = g.uniform(-1, 1);
  }
  return out;
}

function tensor(g: Generator, shape: number[], mode: Mode = 'plain'): tf.Tensor {
  return tf.tensor(fill(g, tf.util.sizeFromShape(shape), mode), shape);
}

const int = (g: Generator, lo: number, hi: number) => lo + g.randint(hi - lo + 1);
const pick = <T>(g: Generator, xs: readonly T[]): T => xs[g.randint(xs.length)];

/** Mostly plain values; some with ties (max-pool first maxima, exact cancellations); some with ±0, ±Infinity, NaN. */
const modeFor = (i: number): Mode => (i % 7 === 3 ? 'special' : i % 5 === 1 ? 'ties' : 'plain');

/** Padding and rounding as tfjs ops pass them; explicit padding in the layout's spatial axes. */
function padding(g: Generator, channelsLast: boolean): { pad: Pad; dimRoundingMode: Rounding } {
  const kind = g.randint(4);
  if (kind === 0) return { pad: 'valid', dimRoundingMode: undefined };
  if (kind === 1) return { pad: 'same', dimRoundingMode: undefined };
  if (kind === 2) return { pad: int(g, 0, 2), dimRoundingMode: pick(g, [undefined, 'floor', 'round', 'ceil'] as const) };
  const h: [number, number] = [int(g, 0, 2), int(g, 0, 2)];
  const w: [number, number] = [int(g, 0, 2), int(g, 0, 2)];
  const pad = (channelsLast ? [[0, 0], h, w, [0, 0]] : [[0, 0], [0, 0], h, w]) as tf.backend_util.ExplicitPadding;
  return { pad, dimRoundingMode: undefined };
}

const positive = (shape: readonly number[]) => shape.every((d) => d > 0);

function describeCase(attrs: Record<string, unknown>, shapes: Record<string, number[]>): string {
  return JSON.stringify({ ...Object.fromEntries(Object.entries(shapes)), ...attrs });
}

/** Random Conv2DBackpropFilter / Conv2DBackpropInput cases (NHWC and NCHW). */
function convCases(kind: 'filter' | 'input', count: number, seed: number): Case[] {
  const g = new Generator(seed);
  const cases: Case[] = [];
  while (cases.length < count) {
    const i = cases.length;
    const channelsLast = g.random() < 0.7;
    const [b, h, w, c] = [int(g, 1, 3), int(g, 1, 11), int(g, 1, 11), int(g, 1, 7)];
    const filterShape: [number, number, number, number] = [int(g, 1, 4), int(g, 1, 4), c, int(g, 1, 9)];
    const strides: [number, number] = [int(g, 1, 3), int(g, 1, 3)];
    const { pad, dimRoundingMode } = padding(g, channelsLast);
    const xShape: [number, number, number, number] = channelsLast ? [b, h, w, c] : [b, c, h, w];
    const dataFormat = channelsLast ? 'NHWC' : 'NCHW';
    let info: tf.backend_util.Conv2DInfo;
    try {
      info = tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, 1, pad, dimRoundingMode, false, channelsLast ? 'channelsLast' : 'channelsFirst');
    } catch {
      continue;
    }
    if (!positive(info.outShape)) continue;
    const mode = modeFor(i);
    const dy = tensor(g, info.outShape, mode);
    const attrs = { strides, pad, dataFormat, dimRoundingMode };
    if (kind === 'filter') {
      const x = tensor(g, xShape, mode);
      cases.push({ label: describeCase({ ...attrs, mode }, { x: xShape, filterShape }), inputs: { x, dy }, attrs: { ...attrs, filterShape } });
    } else {
      const filter = tensor(g, filterShape, mode);
      cases.push({ label: describeCase({ ...attrs, mode }, { inputShape: xShape, filter: filterShape }), inputs: { dy, filter }, attrs: { ...attrs, inputShape: xShape } });
    }
  }
  return cases;
}

/** Random depthwise backprop cases: channel multipliers 1–3, dilations 1–2 (the stock kernels read them into their conv info). */
function depthwiseCases(kind: 'filter' | 'input', count: number, seed: number): Case[] {
  const g = new Generator(seed);
  const cases: Case[] = [];
  while (cases.length < count) {
    const i = cases.length;
    const [b, h, w, c] = [int(g, 1, 3), int(g, 1, 11), int(g, 1, 11), int(g, 1, 9)];
    const filterShape: [number, number, number, number] = [int(g, 1, 4), int(g, 1, 4), c, pick(g, [1, 1, 2, 3])];
    const strides: [number, number] = [int(g, 1, 3), int(g, 1, 3)];
    const dilations: [number, number] = g.random() < 0.7 ? [1, 1] : [int(g, 1, 2), int(g, 1, 2)];
    const { pad, dimRoundingMode } = padding(g, true);
    const xShape: [number, number, number, number] = [b, h, w, c];
    let info: tf.backend_util.Conv2DInfo;
    try {
      info = tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, dilations, pad, dimRoundingMode, true);
    } catch {
      continue;
    }
    if (!positive(info.outShape)) continue;
    const mode = modeFor(i);
    const dy = tensor(g, info.outShape, mode);
    const attrs = { strides, dilations, pad, dimRoundingMode };
    if (kind === 'filter') {
      const x = tensor(g, xShape, mode);
      cases.push({ label: describeCase({ ...attrs, mode }, { x: xShape, filterShape }), inputs: { x, dy }, attrs: { ...attrs, filterShape } });
    } else {
      const filter = tensor(g, filterShape, mode);
      cases.push({ label: describeCase({ ...attrs, mode }, { inputShape: xShape, filter: filterShape }), inputs: { dy, filter }, attrs: { ...attrs, inputShape: xShape } });
    }
  }
  return cases;
}

/** Random MaxPoolGrad / AvgPoolGrad cases, overlapping and not. */
function poolCases(kind: 'max' | 'avg', count: number, seed: number): Case[] {
  const g = new Generator(seed);
  const cases: Case[] = [];
  while (cases.length < count) {
    const i = cases.length;
    const xShape: [number, number, number, number] = [int(g, 1, 3), int(g, 1, 12), int(g, 1, 12), int(g, 1, 9)];
    const filterSize: [number, number] = [int(g, 1, 4), int(g, 1, 4)];
    const strides: [number, number] = [int(g, 1, 3), int(g, 1, 3)];
    const { pad, dimRoundingMode } = padding(g, true);
    let info: tf.backend_util.Conv2DInfo;
    try {
      info = tf.backend_util.computePool2DInfo(xShape, filterSize, strides, 1, pad, kind === 'max' ? dimRoundingMode : undefined);
    } catch {
      continue;
    }
    if (!positive(info.outShape)) continue;
    const mode = modeFor(i);
    const input = tensor(g, xShape, mode);
    const dy = tensor(g, info.outShape, g.random() < 0.2 ? 'special' : 'plain');
    const attrs = kind === 'max' ? { filterSize, strides, pad, dimRoundingMode } : { filterSize, strides, pad };
    const inputs: Record<string, tf.Tensor> = kind === 'max' ? { dy, input, output: tf.zeros(info.outShape) } : { dy, input };
    cases.push({ label: describeCase({ ...attrs, mode }, { input: xShape }), inputs, attrs });
  }
  return cases;
}

interface CpuBackend {
  numDataIds(): number;
  readSync(dataId: tf.DataId): ArrayLike<number>;
  disposeData(dataId: tf.DataId): boolean;
}

function bits(values: ArrayLike<number>): Uint32Array {
  const f = Float32Array.from(values);
  return new Uint32Array(f.buffer);
}

/**
 * Runs Descent's kernel (not delegating) and the stock kernel on the same
 * inputs: the same shape, dtype and float32 bits, no new data left behind,
 * and inputs untouched.
 */
function expectSameAsStock(name: string, c: Case): void {
  const backend = tf.backend() as unknown as CpuBackend;
  const impl = cpuKernelImpl(name)!;
  const stock = stockCpuKernel(name)!;
  const before = Object.values(c.inputs).map((t) => bits(t.dataSync()));
  const dataIds = backend.numDataIds();
  const tensors = tf.memory().numTensors;
  const args = { inputs: c.inputs, attrs: c.attrs as unknown as tf.NamedAttrMap, backend };
  const got = impl(args);
  expect(got, `${name} handled ${c.label}`).toBeDefined();
  const want = stock.kernelFunc(args) as tf.TensorInfo;
  expect(got!.shape, c.label).toEqual(want.shape);
  expect(got!.dtype, c.label).toBe(want.dtype);
  const a = bits(backend.readSync(got!.dataId));
  const b = bits(backend.readSync(want.dataId));
  expect(a.length, c.label).toBe(b.length);
  let mismatch = -1;
  for (let i = 0; i < a.length && mismatch < 0; i++) if (a[i] !== b[i]) mismatch = i;
  if (mismatch >= 0) {
    const f = (u: Uint32Array) => `${new Float32Array(u.buffer)[mismatch]} (0x${u[mismatch].toString(16)})`;
    expect.fail(`${name} ${c.label}: element ${mismatch} is ${f(a)}, stock ${f(b)}`);
  }
  backend.disposeData(got!.dataId);
  backend.disposeData(want.dataId);
  expect(backend.numDataIds(), `${name} left data behind`).toBe(dataIds);
  expect(tf.memory().numTensors).toBe(tensors);
  Object.values(c.inputs).forEach((t, i) => expect(bits(t.dataSync()), `${name} wrote into an input`).toEqual(before[i]));
}

function disposeCases(cases: Case[]): void {
  for (const c of cases) tf.dispose(Object.values(c.inputs));
}

describe('cpu kernels: bit-identical to tfjs-backend-cpu 4.22', () => {
  const suites: Array<[string, () => Case[]]> = [
    [tf.Conv2DBackpropFilter, () => convCases('filter', 80, 1)],
    [tf.Conv2DBackpropInput, () => convCases('input', 80, 2)],
    [tf.DepthwiseConv2dNativeBackpropFilter, () => depthwiseCases('filter', 80, 3)],
    [tf.DepthwiseConv2dNativeBackpropInput, () => depthwiseCases('input', 80, 4)],
    [tf.MaxPoolGrad, () => poolCases('max', 100, 5)],
    [tf.AvgPoolGrad, () => poolCases('avg', 100, 6)],
  ];
  it('covers every replaced kernel', () => {
    expect(suites.map(([name]) => name).sort()).toEqual([...cpuKernelNames].sort());
  });
  for (const [name, make] of suites) {
    it(`${name} on random shapes, strides and paddings`, () => {
      const cases = make();
      for (const c of cases) expectSameAsStock(name, c);
      disposeCases(cases);
    });
  }

  it('Conv2DBackpropFilter/Input with more channels than one tile (odd counts, NCHW)', () => {
    const g = new Generator(7);
    for (const [c, o, format] of [
      [33, 65, 'NHWC'],
      [5, 130, 'NCHW'],
      [300, 3, 'NHWC'],
    ] as const) {
      const channelsLast = format === 'NHWC';
      const xShape: [number, number, number, number] = channelsLast ? [2, 6, 5, c] : [2, c, 6, 5];
      const filterShape: [number, number, number, number] = [3, 2, c, o];
      const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, [1, 2], 1, 'same', undefined, false, channelsLast ? 'channelsLast' : 'channelsFirst');
      const x = tensor(g, xShape);
      const dy = tensor(g, info.outShape);
      const filter = tensor(g, filterShape);
      const attrs = { strides: [1, 2], pad: 'same', dataFormat: format };
      expectSameAsStock(tf.Conv2DBackpropFilter, { label: `${c}→${o} ${format}`, inputs: { x, dy }, attrs: { ...attrs, filterShape } });
      expectSameAsStock(tf.Conv2DBackpropInput, { label: `${c}→${o} ${format}`, inputs: { dy, filter }, attrs: { ...attrs, inputShape: xShape } });
      tf.dispose([x, dy, filter]);
    }
  });

  it('MaxPoolGrad routes nothing from all -Infinity or all-NaN windows and picks the first of tied maxima', () => {
    const x = tf.tensor4d([-Infinity, -Infinity, NaN, NaN, 1, 1, 1, 1, -Infinity, NaN, 2, 2, 0, -0, -0, 0], [1, 4, 4, 1]);
    const dy = tf.tensor4d([1.5, 2.5, 3.5, -0], [1, 2, 2, 1]);
    for (const [filterSize, strides] of [
      [2, 2],
      [2, 1],
      [3, 1],
    ] as const) {
      const info = tf.backend_util.computePool2DInfo([1, 4, 4, 1], filterSize, strides, 1, 'same');
      const dyFor = tf.tensor(fill(new Generator(filterSize * 10 + strides), tf.util.sizeFromShape(info.outShape), 'ties'), info.outShape);
      const inputs = { dy: filterSize === 2 && strides === 2 ? dy : dyFor, input: x, output: tf.zeros(info.outShape) };
      expectSameAsStock(tf.MaxPoolGrad, { label: `${filterSize}/${strides}`, inputs, attrs: { filterSize, strides, pad: 'same' } });
      tf.dispose([dyFor, inputs.output]);
    }
    tf.dispose([x, dy]);
  });

  it('tf.grad through a small conv net: the same gradients with and without the replacements', () => {
    const g = new Generator(11);
    const x = tensor(g, [2, 9, 9, 3]) as tf.Tensor4D;
    const w1 = tensor(g, [3, 3, 3, 8]) as tf.Tensor4D;
    const w2 = tensor(g, [3, 3, 8, 2]) as tf.Tensor4D;
    const net = (xs: tf.Tensor4D, a: tf.Tensor4D, b: tf.Tensor4D) => {
      const h = tf.relu(tf.conv2d(xs, a, [2, 1], 'same'));
      const p = tf.maxPool(h, 2, 1, 'valid');
      const d = tf.depthwiseConv2d(p, b, 1, 'same');
      const out = tf.avgPool(d, [2, 3], 2, 'valid');
      return tf.sum(tf.mul(out, tf.range(1, 1 + out.size).reshape(out.shape)));
    };
    const grads = () => tf.grads((xs: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => net(xs as tf.Tensor4D, a as tf.Tensor4D, b as tf.Tensor4D))([x, w1, w2]);
    expect(cpuKernelsInstalled()).toBe(true);
    const tensors = tf.memory().numTensors;
    const ours = grads();
    uninstallCpuKernels();
    let stock: tf.Tensor[];
    try {
      expect(cpuKernelsInstalled()).toBe(false);
      stock = grads();
    } finally {
      installCpuKernels();
    }
    ours.forEach((t, i) => expect(bits(t.dataSync()), `gradient ${i}`).toEqual(bits(stock[i].dataSync())));
    tf.dispose([...ours, ...stock]);
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose([x, w1, w2]);
  });
});

describe('cpu kernels: installation', () => {
  it("useBackend('cpu') registers the replacements, keeping the stock configs", async () => {
    await useBackend('cpu');
    expect(cpuKernelsInstalled()).toBe(true);
    expect(cpuKernelNames.length).toBe(6);
    for (const name of cpuKernelNames) {
      const registered = tf.getKernel(name, 'cpu');
      const stock = stockCpuKernel(name);
      expect(registered, name).toBeDefined();
      expect(stock, name).toBeDefined();
      expect(registered!.kernelFunc, name).not.toBe(stock!.kernelFunc);
    }
  });

  it('is idempotent, restores the stock kernels on uninstall, and leaves a kernel someone else wrapped alone', async () => {
    const kernelFuncs = () => cpuKernelNames.map((name) => tf.getKernel(name, 'cpu')!.kernelFunc);
    const stockFuncs = cpuKernelNames.map((name) => stockCpuKernel(name)!.kernelFunc);
    const installed = kernelFuncs();
    installCpuKernels();
    await useBackend('cpu');
    expect(kernelFuncs()).toEqual(installed);
    expect(cpuKernelNames.map((name) => stockCpuKernel(name)!.kernelFunc)).toEqual(stockFuncs);

    uninstallCpuKernels();
    expect(kernelFuncs()).toEqual(stockFuncs);
    installCpuKernels();
    expect(kernelFuncs()).toEqual(installed);

    // A wrapper registered over ours (as amp's autocast does while a scope is open) stays.
    const name = tf.MaxPoolGrad;
    const config = tf.getKernel(name, 'cpu')!;
    const wrapper: tf.KernelFunc = (args) => config.kernelFunc(args);
    tf.unregisterKernel(name, 'cpu');
    tf.registerKernel({ ...config, kernelFunc: wrapper });
    try {
      installCpuKernels();
      expect(tf.getKernel(name, 'cpu')!.kernelFunc).toBe(wrapper);
    } finally {
      tf.unregisterKernel(name, 'cpu');
      tf.registerKernel(config);
    }
    expect(cpuKernelsInstalled()).toBe(true);
  });

  it('hands inputs it does not handle to the stock kernel', () => {
    const backend = tf.backend();
    const x = tf.complex(tf.ones([1, 3, 3, 1]), tf.zeros([1, 3, 3, 1]));
    const dy = tf.ones([1, 2, 2, 1]);
    const attrs = { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [2, 2, 1, 1] } as unknown as tf.NamedAttrMap;
    expect(cpuKernelImpl(tf.Conv2DBackpropFilter)!({ inputs: { x, dy }, attrs, backend })).toBeUndefined();
    const stockError = (() => {
      try {
        stockCpuKernel(tf.Conv2DBackpropFilter)!.kernelFunc({ inputs: { x, dy }, attrs, backend });
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    })();
    expect(() => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrs)).toThrow(stockError);
    tf.dispose([x, dy]);
  });
});
