import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW, paramGroupsWeightDecay, registerSerializables, SGD, trainableVariables } from '../src/index.js';
import { cpu, values } from './setup.js';

beforeAll(cpu);

function model(seed: number): tfl.LayersModel {
  const m = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [4], units: 8, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed }) }),
      tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
  return m;
}

function data() {
  const x = tf.tensor2d(values(64 * 4, 11), [64, 4]);
  const y = tf.tidy(() => tf.sum(tf.mul(x, tf.tensor1d([1, -2, 0.5, 3])), 1, true));
  return { x, y };
}

describe('tfjs-layers: model.compile({ optimizer: new AdamW(...) })', () => {
  it('trains a LayersModel with fit', async () => {
    const m = model(1);
    const opt = new AdamW(paramGroupsWeightDecay(m, { weightDecay: 0.01 }), { lr: 0.02 });
    m.compile({ optimizer: opt, loss: 'meanSquaredError' });
    const { x, y } = data();
    const h = await m.fit(x, y, { epochs: 30, batchSize: 16, shuffle: false, verbose: 0 });
    const losses = h.history.loss as number[];
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.2);
    expect(opt.iterations).toBe(30 * 4);
    // AdamW stepped exactly the model's trainable weights.
    expect(opt.state.size).toBe(4);

    // tfjs's optimizer weights round-trip through getWeights / setWeights.
    const weights = await opt.getWeights();
    expect(weights[0].name).toBe('iter');
    expect(weights.length).toBe(1 + 4 * 3); // step, expAvg, expAvgSq per variable
    const other = new AdamW(trainableVariables(m), { lr: 0.02 });
    await other.setWeights(weights);
    expect(other.iterations).toBe(120);
    expect(other.stateDict().state['0'].step).toBe(120);
    expect(opt.getClassName()).toBe('Descent.AdamW');
    expect(opt.getConfig()).toMatchObject({ lr: 0.02, weightDecay: 0.01 });
    other.dispose();
    opt.dispose();
    tf.dispose([x, y]);
    m.dispose();
  });

  it('an optimizer made without params adopts the model’s variables, like tf.train optimizers', async () => {
    const m = model(3);
    const opt = new SGD(undefined, { lr: 0.05, momentum: 0.9 });
    m.compile({ optimizer: opt, loss: 'meanSquaredError' });
    const { x, y } = data();
    const h = await m.fit(x, y, { epochs: 10, batchSize: 32, shuffle: false, verbose: 0 });
    const losses = h.history.loss as number[];
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    expect(opt.paramGroups[0].params.length).toBe(4);
    opt.dispose();
    tf.dispose([x, y]);
    m.dispose();
  });

  it('registerSerializables lets tfjs deserialize the optimizer by class name', () => {
    registerSerializables();
    const restored = tf.serialization.SerializationMap.getMap().classNameMap['Descent.AdamW'];
    expect(restored).toBeDefined();
    const [cls, fromConfig] = restored;
    const opt = fromConfig(cls, { lr: 0.5, weightDecay: 0.1 }) as AdamW;
    expect(opt).toBeInstanceOf(AdamW);
    expect(opt.defaults).toMatchObject({ lr: 0.5, weightDecay: 0.1, betas: [0.9, 0.999] });
  });
});
