// One MNIST epoch of the trainer on the device: `descent train mnist`'s recipe
// (Flatten, Linear(784, 256), ReLU, Linear(256, 10); AdamW lr 3e-3, weight decay
// 0.01; transformers' cosine schedule with 5% warmup; batch 64; standardized
// pixels), then the test set. The tensor count must not grow across epochs' work.
import * as tf from '@tensorflow/tfjs-core';
import { manualSeed } from '@descent/core';
import { DataLoader, Subset, normalize, reshape, toFloat } from '@descent/data';
import { MNIST } from '@descent/datasets-mnist';
import { getCosineScheduleWithWarmup } from '@descent/lr-schedule';
import { Flatten, Linear, ReLU, Sequential } from '@descent/nn';
import { AdamW } from '@descent/optim';
import { Trainer } from '@descent/trainer';

export async function mnistEpoch(gpu, { root, samples, testSamples }) {
  await tf.setBackend(gpu);
  const source = root ? { root, useInstalled: false } : {};
  const full = new MNIST({ split: 'train', ...source });
  const train = samples && samples < full.length ? new Subset(full, Array.from({ length: samples }, (_, i) => i)) : full;
  const fullTest = new MNIST({ split: 'test', ...source });
  const test = testSamples && testSamples < fullTest.length ? new Subset(fullTest, Array.from({ length: testSamples }, (_, i) => i)) : fullTest;
  const transform = [toFloat(), normalize(0.1307, 0.3081), reshape([28, 28, 1])];
  const trainLoader = new DataLoader(train, { batchSize: 64, shuffle: true, seed: 0, transform });
  const evalLoader = new DataLoader(test, { batchSize: 1000, transform });
  manualSeed(0);
  const model = new Sequential(new Flatten(), new Linear(784, 256), new ReLU(), new Linear(256, 10));
  const optimizer = new AdamW(model.parameters(), { lr: 3e-3, weightDecay: 0.01 });
  const scheduler = getCosineScheduleWithWarmup(optimizer, { numWarmupSteps: Math.round(0.05 * trainLoader.length), numTrainingSteps: trainLoader.length });
  const trainer = new Trainer({ model, optimizer, scheduler, seed: 0, plots: false, loggingSteps: 1_000_000 });
  const t0 = performance.now();
  await trainer.fit({ trainLoader, epochs: 1 });
  const seconds = (performance.now() - t0) / 1000;
  const tensors = tf.memory().numTensors;
  const result = await trainer.evaluate(evalLoader);
  const leaked = tf.memory().numTensors - tensors;
  return {
    samples: train.length,
    testSamples: test.length,
    steps: trainLoader.length,
    seconds,
    stepsPerSecond: trainLoader.length / seconds,
    testAccuracy: result.accuracy,
    testLoss: result.loss,
    leakedTensors: leaked,
    pass: leaked === 0 && result.accuracy > (train.length >= 60_000 ? 0.95 : 0.8),
  };
}
