// npm start [-- --epochs 3 --lr 1e-3 --warmup-ratio 0.1 --quick]: a tfjs-layers CNN on MNIST through model.fit,
// with Descent's AdamW as the compiled optimizer and transformers' cosine-with-warmup schedule
// stepped after every batch by a tfjs callback.
import * as tfl from '@tensorflow/tfjs-layers'; // before useBackend: Descent's gradient fixes go back over the ones it registers
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs } from 'node:util';
import { createWasmAdapter } from '@descent/backend-wasm';
import { useBackend } from '@descent/core';
import { getCosineScheduleWithWarmup } from '@descent/lr-schedule';
import { AdamW, trainableVariables } from '@descent/optim';
import { mnistTensors } from './data.ts';
import { buildCnn } from './model.ts';
import { SchedulerCallback } from './scheduler-callback.ts';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string' },
    samples: { type: 'string' },
    'test-samples': { type: 'string' },
    'batch-size': { type: 'string' },
    lr: { type: 'string' },
    'weight-decay': { type: 'string' },
    'warmup-ratio': { type: 'string' },
    seed: { type: 'string' },
    'log-every': { type: 'string' },
    backend: { type: 'string' },
    threads: { type: 'string' },
    quick: { type: 'boolean' },
  },
});
// --quick, the smoke test's run: 300 steps of batch 32 (3 epochs of 3200 images), validated on 1000.
const quick = values.quick ? { epochs: 3, samples: 3200, testSamples: 1000, batchSize: 32, logEvery: 50 } : { epochs: 3, samples: 0, testSamples: 0, batchSize: 64, logEvery: 100 };
function num(name: string, value: string | undefined, fallback: number, check: (v: number) => boolean): number {
  const v = value === undefined ? fallback : Number(value);
  if (!check(v)) throw new Error(`Invalid --${name}: ${value}`);
  return v;
}
const isCount = (v: number) => Number.isInteger(v) && v >= 0;
const epochs = num('epochs', values.epochs, quick.epochs, (v) => isCount(v) && v > 0);
const samples = num('samples', values.samples, quick.samples, isCount);
const testSamples = num('test-samples', values['test-samples'], quick.testSamples, isCount);
const batchSize = num('batch-size', values['batch-size'], quick.batchSize, (v) => isCount(v) && v > 0);
const lr = num('lr', values.lr, 1e-3, (v) => v > 0);
const weightDecay = num('weight-decay', values['weight-decay'], 0.01, (v) => v >= 0);
const warmupRatio = num('warmup-ratio', values['warmup-ratio'], 0.1, (v) => v >= 0 && v < 1);
const seed = num('seed', values.seed, 0, isCount);
const logEvery = num('log-every', values['log-every'], quick.logEvery, (v) => isCount(v) && v > 0);
const threads = num('threads', values.threads, 0, isCount); // wasm's; 0: the cores, at most 8

const backend = values.backend ?? 'wasm';
const adapter = await useBackend(backend === 'wasm' && threads > 0 ? createWasmAdapter({ threads }) : backend);
console.log(`backend: ${adapter.name} (${JSON.stringify(adapter.capabilities.info)})`);

const train = mnistTensors('train', samples);
const test = mnistTensors('test', testSamples);
const model = buildCnn(seed);
const stepsPerEpoch = Math.ceil(train.x.shape[0] / batchSize);
const totalSteps = epochs * stepsPerEpoch;
const warmup = Math.ceil(totalSteps * warmupRatio); // HF's warmup_ratio

// The part this example is about: Descent's optimizer and schedule inside model.fit.
const optimizer = new AdamW(trainableVariables(model), { lr, weightDecay });
const scheduler = getCosineScheduleWithWarmup(optimizer, { numWarmupSteps: warmup, numTrainingSteps: totalSteps });
model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
console.log(
  `model.fit: CNN (${model.countParams()} parameters), AdamW lr ${lr} weight decay ${weightDecay}, cosine with warmup ` +
    `(${warmup} of ${totalSteps} steps) per batch, batch ${batchSize}, ${epochs} epochs, ${train.x.shape[0]} training images`,
);

let step = 0;
let sum = 0;
let inWindow = 0;
let epochSum = 0;
let epochSteps = 0;
const fmt = (v: number) => v.toFixed(4);
const logger = new tfl.CustomCallback({
  onBatchEnd: async (batch, logs) => {
    step++;
    epochSteps++;
    sum += logs!.loss as number;
    if (++inWindow === logEvery || step === totalSteps) {
      const epoch = Math.ceil(step / stepsPerEpoch);
      console.log(
        `epoch ${epoch}/${epochs} ${batch + 1}/${stepsPerEpoch} step ${step}/${totalSteps} loss ${fmt(sum / inWindow)} ` +
          `lr ${optimizer.paramGroups[0]!.lr.toExponential(2)} tensors ${tf.memory().numTensors}`,
      );
      epochSum += sum;
      sum = 0;
      inWindow = 0;
    }
  },
  onEpochEnd: async (epoch, logs) => {
    epochSum += sum;
    console.log(
      `epoch ${epoch + 1}/${epochs} done: train_loss ${fmt(epochSum / epochSteps)} train_accuracy ${fmt(logs!.acc as number)} ` +
        `eval_loss ${fmt(logs!.val_loss as number)} eval_accuracy ${fmt(logs!.val_acc as number)} learning_rate ${optimizer.paramGroups[0]!.lr.toExponential(2)}`,
    );
    sum = epochSum = epochSteps = inWindow = 0;
  },
});

const t0 = performance.now();
// The scheduler's callback comes first, so the logger prints the lr of the next step, as the Trainer does.
await model.fit(train.x, train.y, { epochs, batchSize, shuffle: true, validationData: [test.x, test.y], callbacks: [new SchedulerCallback(scheduler), logger], verbose: 0 });
const seconds = (performance.now() - t0) / 1000;
console.log(`training done: ${step} steps in ${seconds.toFixed(1)} s (${(step / seconds).toFixed(2)} it/s), tensors ${tf.memory().numTensors}`);
tf.dispose([train.x, train.y, test.x, test.y]);
model.dispose();
