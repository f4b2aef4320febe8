// @descent/nn's layer kernels (DescentLinear / DescentConv2d, ReLU fused in a
// Sequential) on one backend against cpu in the same process: the output and
// every parameter's gradient of small seeded models, that the layer kernels
// really ran there, and that no tensor leaks. Nothing is skipped.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { cpuAdapter, manualSeed, useBackend, type BackendAdapter } from '@descent/core';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, crossEntropy, type Module } from '@descent/nn';
import { describe, expect, it } from 'vitest';
import { TOLERANCE, worst } from '../layers/suite.js';

interface NnCase {
  name: string;
  build: () => Module;
  input: number[];
}

const CASES: NnCase[] = [
  { name: 'MLP: Linear+ReLU fused, Linear', build: () => new Sequential(new Flatten(), new Linear(48, 32), new ReLU(), new Linear(32, 10)), input: [6, 4, 4, 3] },
  { name: 'Linear without bias + ReLU', build: () => new Sequential(new Linear(12, 9, { bias: false }), new ReLU(), new Linear(9, 10)), input: [5, 12] },
  {
    name: 'CNN: Conv2d+ReLU fused, pooling, Linear',
    build: () => new Sequential(new Conv2d(3, 8, 3), new ReLU(), new MaxPool2d(2), new Conv2d(8, 6, 2), new ReLU(), new Flatten(), new Linear(6 * 2 * 2, 10)),
    input: [4, 9, 9, 3],
  },
  {
    name: 'Conv2d stride 2, padding 1, no bias, + ReLU',
    build: () => new Sequential(new Conv2d(2, 5, 3, { stride: 2, padding: 1, bias: false }), new ReLU(), new Flatten(), new Linear(5 * 4 * 4, 10)),
    input: [3, 7, 8, 2],
  },
  { name: 'Conv2d padding 1, then a Conv2d with no ReLU', build: () => new Sequential(new Conv2d(1, 4, 3, { padding: 1 }), new Conv2d(4, 2, 3), new Flatten(), new Linear(2 * 4 * 4, 10)), input: [2, 6, 6, 1] },
];

interface Run {
  logits: Float32Array;
  loss: number;
  grads: Float32Array[];
  names: string[];
  leaked: number;
  kernels: string[];
}

async function run(c: NnCase): Promise<Run> {
  manualSeed(11);
  const model = c.build();
  const x = tf.randomNormal(c.input, 0, 1, 'float32', 5);
  const y = tf.tensor1d(Array.from({ length: c.input[0] }, (_, i) => (i * 3) % 10), 'int32');
  const named = model.namedParameters();
  const params = named.map(([, p]) => p);
  const step = () => tf.variableGrads(() => crossEntropy(model.forward(x), y) as tf.Scalar, params);
  const { value, grads } = step();
  const logits = model.forward(x);
  const out: Run = {
    logits: (await logits.data()) as Float32Array,
    loss: (await value.data())[0],
    grads: await Promise.all(params.map(async (p) => (await grads[p.name].data()) as Float32Array)),
    names: named.map(([n]) => n),
    leaked: 0,
    kernels: [],
  };
  tf.dispose([value, logits, ...Object.values(grads)]);
  const before = tf.memory().numTensors;
  const again = step();
  tf.dispose([again.value, ...Object.values(again.grads)]);
  out.leaked = tf.memory().numTensors - before;
  const profile = await tf.profile(() => model.forward(x));
  out.kernels = [...new Set(profile.kernels.map((k) => k.name).filter((k) => k.startsWith('Descent')))].sort();
  tf.dispose(profile.result as tf.Tensor);
  tf.dispose([x, y, ...params]);
  return out;
}

export function nnLayersSuite(label: string, adapter: BackendAdapter, before?: () => void): void {
  describe(`@descent/nn layer kernels on ${label}, against cpu`, () => {
    for (const c of CASES) {
      it(c.name, async () => {
        await useBackend(cpuAdapter);
        const want = await run(c);
        await useBackend(adapter);
        before?.();
        const got = await run(c);
        expect(got.kernels, 'the layer kernels that ran on the backend').toEqual(want.kernels);
        expect(got.kernels).toEqual(c.name.includes('Conv2d') ? ['DescentConv2d', 'DescentLinear'] : ['DescentLinear']);
        expect(got.leaked, 'tensors left by a training step').toBe(0);
        expect(worst(got.logits, want.logits, TOLERANCE.grads.rtol, TOLERANCE.grads.atol).ratio, 'logits').toBeLessThanOrEqual(1);
        expect(Math.abs(got.loss - want.loss)).toBeLessThanOrEqual(TOLERANCE.loss.atol + TOLERANCE.loss.rtol * Math.abs(want.loss) * 10);
        got.grads.forEach((g, i) => {
          const w = worst(g, want.grads[i], TOLERANCE.grads.rtol, TOLERANCE.grads.atol);
          expect(w.ratio, `gradient of ${got.names[i]} (element ${w.index}: ${w.got} vs cpu ${w.want})`).toBeLessThanOrEqual(1);
          expect(g.some((v) => Math.abs(v) > 1e-6), `gradient of ${got.names[i]} is not all zero`).toBe(true);
        });
      });
    }
  });
}
