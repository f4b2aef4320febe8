import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { declareFusedOp, declaredShape, defineFusedOp, ensureKernels, fusedKernelsFor, fusedOps, listFusedOps, OPTIM_OPS, AMP_OPS, registerFusedKernel, registerKernelInstaller, type FusedKernelArgs } from '../src/index.js';
import { assertKernelMatchesFallback, checkKernelAgainstFallback, randomTensor } from '../src/testing.js';
import { cpu } from './setup-cpu.js';

beforeAll(cpu);

// A toy fused op: y = a*x + b, z = x*x, in one pass.
const TestAxpb = declareFusedOp({ name: 'TestAxpb', inputs: ['x', 'b'], outputs: ['y', 'z'], attrs: { a: 'f32' } });
const axpb = defineFusedOp(TestAxpb, ({ x, b }, { a }) => ({ y: tf.add(tf.mul(x, a), b), z: tf.square(x) }));

type CpuBackend = tf.KernelBackend & { data: { get(id: object): { values: Float32Array } }; makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo };

function cpuKernel(bug: 'none' | 'wrong' | 'inplace') {
  return ({ inputs, attrs, backend }: FusedKernelArgs<'x' | 'b', { a: 'f32' }>) => {
    const be = backend as CpuBackend;
    const x = be.data.get(inputs.x.dataId).values;
    const b = be.data.get(inputs.b.dataId).values;
    const y = new Float32Array(x.length);
    const z = new Float32Array(x.length);
    const a = Math.fround(attrs.a);
    for (let i = 0; i < x.length; i++) {
      y[i] = Math.fround(Math.fround(a * x[i]) + b[i]) + (bug === 'wrong' && i === 3 ? 1e-2 : 0);
      z[i] = x[i] * x[i];
    }
    if (bug === 'inplace') x[0] = 123;
    return { y: be.makeTensorInfo(inputs.x.shape, 'float32', y), z: be.makeTensorInfo(inputs.x.shape, 'float32', z) };
  };
}

const gen = (rng: Parameters<Parameters<typeof assertKernelMatchesFallback>[1]['generate']>[0]) => {
  const n = 1 + rng.randint(64);
  return { inputs: { x: randomTensor(rng, [n]), b: randomTensor(rng, [n]) }, attrs: { a: rng.normal() } };
};

describe('fused-op registry', () => {
  it('runs the fallback when the backend has no kernel', () => {
    expect(axpb.hasKernel('cpu')).toBe(false);
    const { y, z } = axpb({ x: tf.tensor1d([1, 2]), b: tf.tensor1d([10, 20]) }, { a: 3 });
    expect(Array.from(y.dataSync())).toEqual([13, 26]);
    expect(Array.from(z.dataSync())).toEqual([1, 4]);
    expect(listFusedOps()).toContain('TestAxpb');
  });

  it('runs the registered kernel and the harness proves it equals the fallback', async () => {
    registerFusedKernel(TestAxpb, 'cpu', cpuKernel('none'));
    expect(axpb.hasKernel('cpu')).toBe(true);
    expect(fusedKernelsFor('cpu')).toContain('TestAxpb');
    const report = await assertKernelMatchesFallback(axpb, { generate: gen, runs: 30 });
    expect(report.runs).toBe(30);
    expect(report.maxRelError).toBeLessThan(1e-5);
  });

  it('kernel outputs are tracked tensors: no leak across calls', () => {
    registerFusedKernel(TestAxpb, 'cpu', cpuKernel('none'));
    const x = tf.tensor1d([1, 2, 3]);
    const b = tf.tensor1d([1, 1, 1]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      const { y, z } = axpb({ x, b }, { a: 2 });
      tf.dispose([y, z]);
    }
    tf.tidy(() => {
      axpb({ x, b }, { a: 2 });
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the harness catches a wrong kernel', async () => {
    registerFusedKernel(TestAxpb, 'cpu', cpuKernel('wrong'));
    const report = await checkKernelAgainstFallback(axpb, { generate: (rng) => ({ inputs: { x: randomTensor(rng, [8]), b: randomTensor(rng, [8]) }, attrs: { a: 1 } }), runs: 3 });
    expect(report.mismatches.length).toBeGreaterThan(0);
    expect(report.mismatches[0]).toMatchObject({ output: 'y', index: 3 });
    await expect(assertKernelMatchesFallback(axpb, { generate: gen, runs: 3 })).rejects.toThrow(/disagrees with its fallback/);
  });

  it('the harness catches a kernel that writes into its input', async () => {
    registerFusedKernel(TestAxpb, 'cpu', cpuKernel('inplace'));
    await expect(assertKernelMatchesFallback(axpb, { generate: gen, runs: 2 })).rejects.toThrow(/wrote into its inputs/);
    registerFusedKernel(TestAxpb, 'cpu', cpuKernel('none'));
  });

  it('checks attributes against the declaration, naming the attribute', () => {
    const x = tf.tensor1d([1, 2]);
    const b = tf.tensor1d([1, 1]);
    expect(() => axpb({ x, b }, {} as never)).toThrow(/TestAxpb: attribute "a" must be a number, got nothing/);
    expect(() => axpb({ x, b }, { a: true } as never)).toThrow(/attribute "a" must be a number, got true/);
    expect(() => axpb.fallback({ x, b }, { a: 1, c: 2 } as never)).toThrow(/TestAxpb has no attribute "c" \(declared: a\)/);
    tf.dispose([x, b]);
  });

  it('a kernel that leaves out a declared output fails with the output named', () => {
    registerFusedKernel(TestAxpb, 'cpu', ((args: FusedKernelArgs<'x' | 'b', { a: 'f32' }>) => {
      const { y } = cpuKernel('none')(args);
      return { y };
    }) as never);
    const x = tf.tensor1d([1, 2]);
    const b = tf.tensor1d([1, 1]);
    expect(() => axpb({ x, b }, { a: 1 })).toThrow(/cpu kernel of TestAxpb returned no "z" output/);
    registerFusedKernel(TestAxpb, 'cpu', cpuKernel('none'));
    tf.dispose([x, b]);
  });

  it('rejects a declaration that names something twice', () => {
    expect(() => declareFusedOp({ name: 'Bad', inputs: ['x'], outputs: ['y'], attrs: { x: 'f32' } })).toThrow(/"x" is declared twice/);
  });

  it('runs a backend\'s kernel installer once, on the first fused call there', () => {
    const Twice = declareFusedOp({ name: 'TestTwice', inputs: ['x'], outputs: ['y'], attrs: {} });
    const twice = defineFusedOp(Twice, ({ x }) => ({ y: tf.mul(x, 2) }));
    let installs = 0;
    registerKernelInstaller('cpu', () => {
      installs++;
      registerFusedKernel(Twice, 'cpu', ({ inputs, backend }) => {
        const be = backend as CpuBackend;
        const v = be.data.get(inputs.x.dataId).values.map((e) => e * 2);
        return { y: be.makeTensorInfo(inputs.x.shape, 'float32', v) };
      });
    });
    const x = tf.tensor1d([1, 2]);
    expect(Array.from(twice({ x }, {}).y.dataSync())).toEqual([2, 4]);
    twice({ x }, {});
    expect(ensureKernels('cpu', 'DescentTestTwice')).toBe(true);
    expect(installs).toBe(1);
    tf.dispose(x);
  });

  it('declares reduced shapes: a keepDims axis per input or output, checked against the declaration', () => {
    const F = fusedOps.AdafactorFactoredStep;
    expect(declaredShape(F, 'param', [2, 3, 4])).toEqual([2, 3, 4]);
    expect(declaredShape(F, 'rowVar', [2, 3, 4])).toEqual([2, 3, 1]);
    expect(declaredShape(F, 'colVar', [3, 4])).toEqual([1, 4]);
    expect(declaredShape(fusedOps.LambStep, 'gradDivisor', [5])).toEqual([]);
    expect(() => declaredShape(F, 'colVar', [4])).toThrow(/reduces axis -2, which a tensor of shape \[4\] does not have/);
    expect(() => declareFusedOp({ name: 'BadAxis', inputs: ['x', 'y'], outputs: ['x'], attrs: {}, reducedAxes: { x: -1 } })).toThrow(/reducedAxes names "x"/);
    expect(() => declareFusedOp({ name: 'BadAxis2', inputs: ['x'], outputs: ['x'], attrs: {}, reducedAxes: { z: -1 } as never })).toThrow(/reducedAxes names "z"/);
  });

  it('declares every optimizer and amp op once, and cpu has a kernel for each', () => {
    const names = [...OPTIM_OPS, ...AMP_OPS].map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toHaveLength(25);
    expect(Object.keys(fusedOps).sort()).toEqual([...names].sort());
    expect(fusedKernelsFor('cpu')).toEqual(expect.arrayContaining(names));
  });
});
