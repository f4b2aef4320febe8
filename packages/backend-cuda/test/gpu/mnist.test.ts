// A few epochs of the trainer's MNIST recipe on the GPU: `descent train mnist`'s MLP
// (784-256-10, AdamW lr 3e-3 wd 0.01, cosine schedule with 5% warmup, batch 64,
// standardized pixels), and PyTorch's AMP recipe (Linear 784-10, Adam 0.01,
// StepLR, float16 autocast + GradScaler).
import * as tf from '@tensorflow/tfjs-core';
import { manualSeed } from '@descent/core';
import { DataLoader, flatten, normalize, reshape, toFloat } from '@descent/data';
import { MNIST } from '@descent/datasets-mnist';
import { getCosineScheduleWithWarmup, StepLR } from '@descent/lr-schedule';
import { Flatten, Linear, ReLU, Sequential } from '@descent/nn';
import { Adam, AdamW } from '@descent/optim';
import { Trainer } from '@descent/trainer';
import { beforeAll, describe, expect, it } from 'vitest';
import { startCuda } from './start.js';

beforeAll(startCuda);

const test = new MNIST({ split: 'test' });
const train = new MNIST({ split: 'train' });

describe("the trainer's MNIST recipes on tensorflow (GPU)", () => {
  it('the MLP recipe: 3 epochs reach 97.5%, tensors flat', async () => {
    const transform = [toFloat(), normalize(0.1307, 0.3081), reshape([28, 28, 1])];
    const trainLoader = new DataLoader(train, { batchSize: 64, shuffle: true, seed: 0, transform });
    const evalLoader = new DataLoader(test, { batchSize: 1000, transform });
    manualSeed(0);
    const model = new Sequential(new Flatten(), new Linear(784, 256), new ReLU(), new Linear(256, 10));
    const optimizer = new AdamW(model.parameters(), { lr: 3e-3, weightDecay: 0.01 });
    const total = 3 * trainLoader.length;
    const scheduler = getCosineScheduleWithWarmup(optimizer, { numWarmupSteps: Math.round(0.05 * total), numTrainingSteps: total });
    const trainer = new Trainer({ model, optimizer, scheduler, evalLoader, seed: 0, plots: false });
    const before = tf.memory().numTensors;
    await trainer.fit({ trainLoader, epochs: 3 });
    const afterFit = tf.memory().numTensors;
    const result = await trainer.evaluate(evalLoader);
    expect(result.accuracy).toBeGreaterThan(0.975);
    expect(tf.memory().numTensors).toBe(afterFit);
    expect(afterFit - before).toBeLessThan(20); // AdamW's state (2 tensors per parameter), made on the first step
  });

  it("PyTorch's AMP recipe (float16 + GradScaler): 2 epochs reach 90%", async () => {
    const transform = [toFloat(), flatten()];
    const trainLoader = new DataLoader(train, { batchSize: 64, shuffle: true, seed: 0, transform });
    const evalLoader = new DataLoader(test, { batchSize: 1000, transform });
    manualSeed(0);
    const model = new Linear(784, 10);
    const optimizer = new Adam(model.parameters(), { lr: 0.01 });
    const scheduler = new StepLR(optimizer, { stepSize: 10, gamma: 0.1 });
    const trainer = new Trainer({ model, optimizer, scheduler, schedulerInterval: 'epoch', amp: 'float16', evalLoader, seed: 0, plots: false });
    await trainer.fit({ trainLoader, epochs: 2 });
    expect((await trainer.evaluate(evalLoader)).accuracy).toBeGreaterThan(0.9);
  });
});
