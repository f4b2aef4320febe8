// The machinery under the optim kernels (src/optim), on lavapipe: dispatches
// recorded into tfjs's own command stream, so they see the results of pending
// tfjs ops, survive inputs disposed before the submit, cross tfjs's submit
// batches, and work under tf.time. Numerics against the composite fallbacks,
// every op and both drivers, are in conformance/test/optim/parity-webgpu-*.test.ts.
import * as tf from '@tensorflow/tfjs-core';
import { fusedKernelsFor, useBackend } from '@descent/core';
import { assertKernelMatchesFallback, randomTensor } from '@descent/core/testing';
import { fusedOps } from '@descent/optim';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWebGPUOptimKernels, webgpuAdapter, webgpuOptimOps } from '../src/index.js';
import { grid } from '../src/optim/pipeline.js';
import { useDriver } from '../src/testing.js';
import { fixedValues } from './workload.js';

const sgdAttrs = { lr: 0.25, weightDecay: 0, maximize: false };

function run(op: string, inputs: tf.NamedTensorMap, attrs: Record<string, number | boolean>): tf.Tensor[] {
  const out = tf.engine().runKernel(`Descent${op}`, inputs, attrs as never) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}

/** SGD in float32 on the host: p - f(lr) * g (a GPU may fuse it into one FMA: 1-ulp slack). */
function sgdRef(p: Float32Array, g: Float32Array, lr: number): Float32Array {
  const f = Math.fround;
  return p.map((x, i) => f(x - f(f(lr) * g[i])));
}

function expectClose(got: Float32Array, want: Float32Array): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= 1e-6 * (1 + Math.abs(want[i])))) expect(`[${i}] ${got[i]}`).toBe(`[${i}] ${want[i]}`);
  }
}

describe('webgpu optim kernels: command stream and registration (lavapipe)', () => {
  beforeAll(async () => {
    useDriver('lavapipe');
    await useBackend(webgpuAdapter);
    tf.env().set('WEBGPU_CPU_FORWARD', false); // keep tfjs's own ops on the GPU too
  });

  it('init registers every optim op and the adapter reports them', () => {
    expect(webgpuOptimOps.length).toBe(23);
    expect(fusedKernelsFor('webgpu')).toEqual(expect.arrayContaining([...webgpuOptimOps]));
    expect(webgpuAdapter.capabilities.fusedKernels).toEqual(expect.arrayContaining([...webgpuOptimOps]));
  });

  it('leaves out the 9-buffer ops on a device limited to 8 storage buffers per stage', () => {
    const fit = registerWebGPUOptimKernels(8);
    expect(webgpuOptimOps.filter((o) => !fit.includes(o)).sort()).toEqual(['AdamAmsgradStep', 'LambStep', 'RmspropCenteredMomentumStep', 'ScheduleFreeAdamWMomentumStep']);
    expect(registerWebGPUOptimKernels(16)).toEqual([...webgpuOptimOps]);
  });

  it('reads inputs that pending tfjs ops produce, and inputs disposed before the submit', async () => {
    const pv = new Float32Array(fixedValues(1000, 1));
    const gv = new Float32Array(fixedValues(1000, 2));
    const p = tf.tensor1d(pv);
    const g = tf.mul(tf.tensor1d(gv), 2); // recorded, not yet submitted
    const [out] = run('SgdStep', { param: p, grad: g }, sgdAttrs);
    tf.dispose([p, g]); // deferred by tfjs until the command buffer is submitted
    expectClose((await out.data()) as Float32Array, sgdRef(pv, gv.map((x) => Math.fround(2 * x)), 0.25));
    out.dispose();
  });

  it('chains 40 steps across tfjs submit batches without leaking', async () => {
    const pv = new Float32Array(fixedValues(3000, 3));
    const gv = new Float32Array(fixedValues(3000, 4));
    const g = tf.tensor2d(gv, [30, 100]);
    let p: tf.Tensor = tf.tensor2d(pv, [30, 100]);
    let want: Float32Array = pv;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 40; i++) {
      const [next] = run('SgdStep', { param: p, grad: g }, sgdAttrs);
      p.dispose();
      p = next;
      want = sgdRef(want, gv, 0.25);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(p.shape).toEqual([30, 100]);
    expectClose((await p.data()) as Float32Array, want);
    tf.dispose([p, g]);
  });

  it('returns new tensors: outputs never share a buffer with an input', async () => {
    const p = tf.tensor1d([1, 2, 3]);
    const g = tf.tensor1d([0.5, 0.5, 0.5]);
    const m = tf.tensor1d([0, 0, 0]);
    const outs = run('SgdMomentumStep', { param: p, grad: g, momentumBuffer: m }, { ...sgdAttrs, momentum: 0.9, dampeningComplement: 1, nesterov: false, init: false });
    expect(outs.length).toBe(2);
    const ids = new Set([p, g, m, ...outs].map((t) => t.dataId));
    expect(ids.size).toBe(5);
    expectClose((await outs[1].data()) as Float32Array, new Float32Array([0.5, 0.5, 0.5]));
    expectClose((await outs[0].data()) as Float32Array, new Float32Array([0.875, 1.875, 2.875]));
    tf.dispose([p, g, m, ...outs]);
  });

  it('handles empty parameters', async () => {
    const p = tf.zeros([0, 3]);
    const outs = run('AdamStep', { param: p, grad: p, expAvg: p, expAvgSq: p }, {});
    expect(outs.map((t) => t.shape)).toEqual([[0, 3], [0, 3], [0, 3]]);
    expect((await outs[0].data()).length).toBe(0);
    tf.dispose([p, ...outs]);
  });

  it('names a missing attribute instead of computing with NaN', () => {
    const p = tf.tensor1d([1, 2]);
    expect(() => run('SgdStep', { param: p, grad: p }, { weightDecay: 0, maximize: false })).toThrow(/DescentSgdStep on webgpu: attribute lr must be a number, got undefined/);
    p.dispose();
  });

  it('runs under tf.time', async () => {
    const p = tf.tensor1d([1, 2, 3, 4]);
    let out: tf.Tensor[] = [];
    const timing = await tf.time(() => {
      out = run('SgdStep', { param: p, grad: p }, sgdAttrs);
    });
    expect(timing.wallMs).toBeGreaterThanOrEqual(0);
    expectClose((await out[0].data()) as Float32Array, new Float32Array([0.75, 1.5, 2.25, 3]));
    tf.dispose([p, ...out]);
  });

  it('Rprop: a product that underflows float32 keeps the step size, a sign flip zeroes the grad and rests the element (sign(0) = 0)', async () => {
    const f = Math.fround;
    const attrs = { etaminus: 0.5, etaplus: 1.2, stepSizeMin: 1e-6, stepSizeMax: 50, maximize: false };
    // Elements: a product of 1e-60 (0 in float32), same sign, flipped sign, a rested element (prev 0), and a fifth for the scalar path.
    const values = { param: [1, 1, 1, 1, 2], grad: [1e-30, 2, -2, 0.5, -3], prev: [1e-30, 1, 1, 0, -1], stepSize: [0.1, 0.1, 0.1, 0.1, 60] };
    const up = f(f(0.1) * f(1.2));
    const want = {
      param: [f(1 - f(0.1)), f(1 - up), 1, f(1 - f(0.1)), 2 + 50],
      prev: [1e-30, 2, 0, 0.5, -3],
      stepSize: [f(0.1), up, f(f(0.1) * f(0.5)), f(0.1), 50],
    };
    // 4 elements take the vec4 path, 5 the scalar one.
    for (const n of [4, 5]) {
      const inputs = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, tf.tensor1d(v.slice(0, n))]));
      const [param, prev, stepSize] = run('RpropStep', inputs, attrs);
      expectClose((await param.data()) as Float32Array, new Float32Array(want.param.slice(0, n)));
      expectClose((await prev.data()) as Float32Array, new Float32Array(want.prev.slice(0, n)));
      expectClose((await stepSize.data()) as Float32Array, new Float32Array(want.stepSize.slice(0, n)));
      tf.dispose([...Object.values(inputs), param, prev, stepSize]);
    }
  });

  const adafactorAttrs = { maximize: false, oneMinusBeta2: 0.2, rho: 0.01, eps1: 1e-30, eps1Sq: 1e-60, eps2: 1e-3, d: 1, paramScale: 0.99 };

  it('factored Adafactor on 66000-row columns, and on over 65535 matrices (a 2-D grid of workgroups for their means), equals its fallback', async () => {
    const shapes = [[66_000, 64], [70_000, 64, 1]];
    const report = await assertKernelMatchesFallback(fusedOps.adafactorFactoredStep, {
      backend: 'webgpu',
      runs: shapes.length,
      generate: (rng, run) => {
        const shape = shapes[run];
        const positive = (s: number[]) => tf.tidy(() => tf.add(tf.square(randomTensor(rng, s, 0.1)), 1e-4));
        const [row, col] = [[...shape.slice(0, -1), 1], [...shape.slice(0, -2), 1, shape[shape.length - 1]]];
        return { inputs: { param: randomTensor(rng, shape), grad: randomTensor(rng, shape), rowVar: positive(row), colVar: positive(col) }, attrs: adafactorAttrs };
      },
    });
    expect(report.runs).toBe(2);
    expect(report.mismatches).toEqual([]);
  });

  it('factored Adafactor names a factor of the wrong shape', () => {
    const p = tf.zeros([4, 3]);
    const inputs = { param: p, grad: p, rowVar: tf.zeros([4, 1]), colVar: tf.zeros([1, 4]) };
    expect(() => run('AdafactorFactoredStep', inputs, adafactorAttrs)).toThrow(/DescentAdafactorFactoredStep on webgpu: input colVar has shape \[1,4\], expected \[1,3\] for param \[4,3\]/);
    tf.dispose(Object.values(inputs));
  });

  it('empty parameters: factors of their declared shapes, NaN where they have elements (the fallback: a mean over no rows or columns)', async () => {
    // [shape, rowVar size, colVar size]
    for (const [shape, rowSize, colSize] of [[[0, 3], 0, 3], [[3, 0], 3, 0], [[2, 0, 5], 0, 10]] as const) {
      const row = [...shape.slice(0, -1), 1];
      const col = [...shape.slice(0, -2), 1, shape[shape.length - 1]];
      const inputs = { param: tf.zeros([...shape]), grad: tf.zeros([...shape]), rowVar: tf.zeros(row), colVar: tf.zeros(col) };
      const out = run('AdafactorFactoredStep', inputs, adafactorAttrs);
      expect(out.map((t) => t.shape)).toEqual([[...shape], row, col]);
      const [p, r, c] = await Promise.all(out.map((t) => t.data()));
      expect([p.length, r.length, c.length]).toEqual([0, rowSize, colSize]);
      expect([...r, ...c].every(Number.isNaN)).toBe(true);
      tf.dispose([...Object.values(inputs), ...out]);
    }
  });

  it('kernels of several dispatches whose submit falls between two: each dispatch keeps its own uniforms', async () => {
    const batch = tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE');
    // tfjs submits every 2 dispatches; it then returns the submitted uniform buffers to its pool, for the next op to reuse.
    tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', 2);
    try {
      const grad = tf.tensor2d(fixedValues(600, 5), [20, 30]);
      const momentumBuffer = tf.tensor2d(fixedValues(600, 6), [20, 30]);
      // The norm is about 14: an eps of 1e3 divides by 1e3 instead, a pass reading another call's uniforms shows.
      const attrs = [0.9, 0.3, 0.6].map((m, k) => ({ oneMinusMomentum: 1 - m, momentum: m, nesterov: true, eps: k === 1 ? 1e3 : 1e-7 }));
      const shifted = tf.add(grad, 1); // one tfjs dispatch first: the submit then falls inside each kernel
      const got = attrs.map((a) => fusedOps.muonMomentum({ grad, momentumBuffer }, a));
      const want = attrs.map((a) => fusedOps.muonMomentum.fallback({ grad, momentumBuffer }, a));
      for (let k = 0; k < got.length; k++) {
        expectClose((await got[k].update.data()) as Float32Array, (await want[k].update.data()) as Float32Array);
        expectClose((await got[k].momentumBuffer.data()) as Float32Array, (await want[k].momentumBuffer.data()) as Float32Array);
      }
      tf.dispose([grad, momentumBuffer, shifted, ...got.flatMap(Object.values), ...want.flatMap(Object.values)]);
    } finally {
      tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', batch);
    }
  });

  it('grid() keeps each dimension within the workgroup limit', () => {
    expect(grid(1)).toEqual([1, 1]);
    expect(grid(65535)).toEqual([65535, 1]);
    for (const groups of [65536, 200_000, 65535 * 3 + 1]) {
      const [x, y] = grid(groups);
      expect(x).toBeLessThanOrEqual(65535);
      expect(x * y).toBeGreaterThanOrEqual(groups);
      expect(x * (y - 1)).toBeLessThan(groups);
    }
  });
});
