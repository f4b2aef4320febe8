import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Generator, useBackend } from '@descent/core';
import { AdamW } from '@descent/optim';
import { beforeAll, describe, expect, it } from 'vitest';
import { EMA, readCheckpoint, toTrainableModel, Trainer, writeCheckpoint } from '../src/index.js';
import { blobs, cpu, loader, mlp, tempDir, weightsOf } from './setup.js';
import { join } from 'node:path';

beforeAll(async () => {
  await cpu();
  // tfjs-layers re-registers tfjs-core's stock gradients; useBackend applies Descent's fixes again.
  await useBackend('cpu');
});

function lossesOf(trainer: Trainer): number[] {
  return trainer.state.logHistory.filter((l) => l.loss !== undefined).map((l) => l.loss);
}

async function trainAndCheck(model: Parameters<typeof toTrainableModel>[0], variables: tf.Variable[]) {
  const trainer = new Trainer({ model, optimizer: new AdamW(variables, { lr: 2e-2 }), loggingSteps: 4 });
  await trainer.fit({ trainLoader: loader(blobs(96), 8), epochs: 3 });
  const losses = lossesOf(trainer);
  expect(losses.length).toBe(9);
  expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.6);
  const ev = await trainer.evaluate(loader(blobs(60, { seed: 1 }), 20, false));
  expect(ev.accuracy).toBeGreaterThan(0.8);
  return trainer;
}

describe('each model kind trains and its loss falls', () => {
  it('a @descent/nn Module', async () => {
    const model = mlp(0);
    const trainer = await trainAndCheck(model, model.parameters());
    expect(trainer.model.kind).toBe('module');
    expect(trainer.model.stateEntries().map((e) => e.key)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
  });

  it('a tfjs-layers LayersModel', async () => {
    const model = tfl.sequential({
      layers: [tfl.layers.dense({ inputShape: [4], units: 16, activation: 'relu' }), tfl.layers.dense({ units: 3 })],
    });
    const trainer = await trainAndCheck(model, model.trainableWeights.map((w) => w.read() as tf.Variable));
    expect(trainer.model.kind).toBe('layers');
    expect(trainer.model.stateEntries().map((e) => e.key)).toEqual(['0.kernel', '0.bias', '1.kernel', '1.bias']);
    model.dispose();
  });

  it('a plain { forward, variables }', async () => {
    const g = new Generator(0);
    const init = (shape: number[], bound: number) => tf.tensor(g.fill(new Float32Array(shape.reduce((a, b) => a * b)), (r) => r.uniform(-bound, bound)), shape);
    const variables = { w1: tf.variable(init([4, 16], 0.5)), b1: tf.variable(tf.zeros([16])), w2: tf.variable(init([16, 3], 0.25)), b2: tf.variable(tf.zeros([3])) };
    const forward = (x: tf.Tensor) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, variables.w1), variables.b1)), variables.w2), variables.b2);
    const trainer = await trainAndCheck({ forward, variables }, Object.values(variables));
    expect(trainer.model.kind).toBe('function');
    expect(trainer.model.stateEntries().map((e) => e.key)).toEqual(['w1', 'b1', 'w2', 'b2']);
  });

  it('anything else is an InvalidArgumentError naming model', () => {
    expect(() => toTrainableModel({ nope: 1 } as never)).toThrow(/Invalid model/);
    expect(() => toTrainableModel({ forward: () => tf.scalar(0), variables: [] })).toThrow(/model.variables is empty/);
  });
});

describe('EMA on a model that is not a Module', () => {
  it('averages a LayersModel\'s parameters under its checkpoint keys and copies its buffers', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: 5 }), tfl.layers.batchNormalization(), tfl.layers.dense({ units: 3 })] });
    const entries = () => toTrainableModel(model).stateEntries().map((e): [string, tf.Variable] => [e.key, e.variable]);
    const seen: Array<Record<string, Float32Array>> = [];
    const ema = new EMA({ decay: 0.75 });
    const trainer = new Trainer({ model, optimizer: new AdamW(model.trainableWeights.map((w) => w.read() as tf.Variable), { lr: 5e-2 }), callbacks: [{ onStepEnd: () => void seen.push(weightsOf(entries())) }, ema] });
    await trainer.fit({ trainLoader: loader(blobs(32), 8), epochs: 1 });
    expect(seen.length).toBe(4);
    expect(ema.averaged!.nAveraged).toBe(4);
    const avg = weightsOf(ema.averaged!.namedTensors());
    const last = seen[3];
    expect(new Set(Object.keys(avg))).toEqual(new Set(Object.keys(last)));
    for (const key of ['0.kernel', '1.gamma', '2.bias']) {
      // ema₁ = w₁, then ema ← 0.75·ema + 0.25·w.
      const want = seen.slice(1).reduce((e, w) => e.map((v, i) => 0.75 * v + 0.25 * w[key][i]), Array.from(seen[0][key]));
      Array.from(avg[key]).forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
      expect(Array.from(avg[key])).not.toEqual(Array.from(last[key]));
    }
    expect(avg['1.moving_mean']).toEqual(last['1.moving_mean']); // a buffer: copied, not averaged
    ema.dispose();
    model.dispose();
  });

  it('rejects a decay outside [0, 1], naming it', () => {
    expect(() => new EMA({ decay: 1.5 })).toThrow(expect.objectContaining({ parameter: 'decay', value: 1.5, message: expect.stringContaining('Invalid decay value 1.5') }));
  });
});

describe('checkpoints of LayersModels and function models', () => {
  const dense = () => tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: 5, activation: 'relu' }), tfl.layers.batchNormalization(), tfl.layers.dense({ units: 3 })] });
  it('a LayersModel saves by layer position and loads into a second build of it', async () => {
    const tmp = tempDir();
    try {
      const a = toTrainableModel(dense());
      const b = toTrainableModel(dense());
      const optA = new AdamW(a.trainableVariables());
      const optB = new AdamW(b.trainableVariables());
      expect(a.stateEntries().map((e) => `${e.key}:${e.kind}`)).toEqual(['0.kernel:parameter', '0.bias:parameter', '1.gamma:parameter', '1.beta:parameter', '1.moving_mean:buffer', '1.moving_variance:buffer', '2.kernel:parameter', '2.bias:parameter']);
      const dir = join(tmp.dir, 'checkpoint-0');
      await writeCheckpoint(dir, { model: a, optimizer: optA }, { trainerState: {}, loaderState: null });
      expect(weightsOf(b.stateEntries().map((e) => [e.key, e.variable]))).not.toEqual(weightsOf(a.stateEntries().map((e) => [e.key, e.variable])));
      (await readCheckpoint(dir, { model: b, optimizer: optB })).apply();
      expect(weightsOf(b.stateEntries().map((e) => [e.key, e.variable]))).toEqual(weightsOf(a.stateEntries().map((e) => [e.key, e.variable])));
    } finally {
      tmp.cleanup();
    }
  });

  it('a function model with a variables record loads into fresh variables', async () => {
    const tmp = tempDir();
    try {
      const make = (v: number) => {
        const variables = { w: tf.variable(tf.fill([4], v)) };
        return { forward: (x: tf.Tensor) => tf.mul(x, variables.w), variables };
      };
      const a = toTrainableModel(make(2));
      const b = toTrainableModel(make(7));
      const dir = join(tmp.dir, 'checkpoint-0');
      await writeCheckpoint(dir, { model: a, optimizer: new AdamW(a.trainableVariables()) }, { trainerState: {}, loaderState: null });
      (await readCheckpoint(dir, { model: b, optimizer: new AdamW(b.trainableVariables()) })).apply();
      expect(Array.from(b.stateEntries()[0].variable.dataSync())).toEqual([2, 2, 2, 2]);
    } finally {
      tmp.cleanup();
    }
  });
});
