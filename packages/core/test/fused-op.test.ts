import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { defineFusedOp, fusedKernelsFor, listFusedOps, registerFusedKernel, type FusedKernelArgs } from '../src/index.js';
import { assertKernelMatchesFallback, checkKernelAgainstFallback, randomTensor } from '../src/testing.js';
import { cpu } from './setup-cpu.js';

beforeAll(cpu);

// A toy fused op: y = a*x + b, z = x*x, in one pass.
const axpb = defineFusedOp({
  name: 'TestAxpb',
  inputs: ['x', 'b'] as const,
  outputs: ['y', 'z'] as const,
  fallback: ({ x, b }, { a }) => ({ y: tf.add(tf.mul(x, a as number), b), z: tf.square(x) }),
});

type CpuBackend = tf.KernelBackend & { data: { get(id: object): { values: Float32Array } }; makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo };

function cpuKernel(bug: 'none' | 'wrong' | 'inplace') {
  return ({ inputs, attrs, backend }: FusedKernelArgs<'x' | 'b'>) => {
    const be = backend as CpuBackend;
    const x = be.data.get(inputs.x.dataId).values;
    const b = be.data.get(inputs.b.dataId).values;
    const y = new Float32Array(x.length);
    const z = new Float32Array(x.length);
    const a = Math.fround(attrs.a as number);
    for (let i = 0; i < x.length; i++) {
      y[i] = Math.fround(Math.fround(a * x[i]) + b[i]) + (bug === 'wrong' && i === 3 ? 1e-2 : 0);
      z[i] = x[i] * x[i];
    }
    if (bug === 'inplace') x[0] = 123;
    return [be.makeTensorInfo(inputs.x.shape, 'float32', y), be.makeTensorInfo(inputs.x.shape, 'float32', z)];
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
    registerFusedKernel('TestAxpb', 'cpu', cpuKernel('none'));
    expect(axpb.hasKernel('cpu')).toBe(true);
    expect(fusedKernelsFor('cpu')).toContain('TestAxpb');
    const report = await assertKernelMatchesFallback(axpb, { generate: gen, runs: 30 });
    expect(report.runs).toBe(30);
    expect(report.maxRelError).toBeLessThan(1e-5);
  });

  it('kernel outputs are tracked tensors: no leak across calls', () => {
    registerFusedKernel('TestAxpb', 'cpu', cpuKernel('none'));
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
    registerFusedKernel('TestAxpb', 'cpu', cpuKernel('wrong'));
    const report = await checkKernelAgainstFallback(axpb, { generate: (rng) => ({ inputs: { x: randomTensor(rng, [8]), b: randomTensor(rng, [8]) }, attrs: { a: 1 } }), runs: 3 });
    expect(report.mismatches.length).toBeGreaterThan(0);
    expect(report.mismatches[0]).toMatchObject({ output: 'y', index: 3 });
    await expect(assertKernelMatchesFallback(axpb, { generate: gen, runs: 3 })).rejects.toThrow(/disagrees with its fallback/);
  });

  it('the harness catches a kernel that writes into its input', async () => {
    registerFusedKernel('TestAxpb', 'cpu', cpuKernel('inplace'));
    await expect(assertKernelMatchesFallback(axpb, { generate: gen, runs: 2 })).rejects.toThrow(/wrote into its inputs/);
    registerFusedKernel('TestAxpb', 'cpu', cpuKernel('none'));
  });
});
