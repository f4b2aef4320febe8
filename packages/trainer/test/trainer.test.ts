import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@descent/core';
import { crossEntropy, Linear } from '@descent/nn';
import { LinearLR, ReduceLROnPlateau, StepLR } from '@descent/lr-schedule';
import { AdamW, AdamWScheduleFree, SGD } from '@descent/optim';
import { beforeAll, describe, expect, it } from 'vitest';
import { EarlyStopping, NaNGuard, NonFiniteLossError, Trainer, type Callback, type CallbackEvent } from '../src/index.js';
import { blobs, cpu, loader, mlp, weightsOf, schedulable } from './setup.js';

beforeAll(cpu);

const EVENTS: CallbackEvent[] = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onStepBegin', 'onStepEnd', 'onBeforeOptimizerStep', 'onEvaluateBegin', 'onEvaluate', 'onLog', 'onSave'];

function recorder(): Callback & { events: string[] } {
  const events: string[] = [];
  const cb: Callback & { events: string[] } = { events };
  for (const e of EVENTS) cb[e] = async (state) => void events.push(`${e}@${state.globalStep}`);
  return cb;
}

describe('Trainer', () => {
  it('fires the callbacks in order', async () => {
    const rec = recorder();
    const model = mlp(0);
    const trainer = new Trainer({ model, optimizer: new SGD(model.parameters(), { lr: 0.1 }), callbacks: [rec], loggingSteps: 2, evalLoader: loader(blobs(8), 8, false) });
    await trainer.fit({ trainLoader: loader(blobs(16), 8), epochs: 2 });
    const step = (n: number, log: boolean) => [`onStepBegin@${n - 1}`, `onBeforeOptimizerStep@${n - 1}`, `onStepEnd@${n}`, ...(log ? [`onLog@${n}`] : [])];
    const epochEnd = (n: number) => [`onEvaluateBegin@${n}`, `onEvaluate@${n}`, `onEpochEnd@${n}`, `onLog@${n}`];
    expect(rec.events).toEqual([
      'onTrainBegin@0',
      'onEpochBegin@0',
      ...step(1, false),
      ...step(2, true),
      ...epochEnd(2),
      'onEpochBegin@2',
      ...step(3, false),
      ...step(4, true),
      ...epochEnd(4),
      'onLog@4',
      'onTrainEnd@4',
    ]);
    expect(trainer.state).toMatchObject({ epoch: 2, globalStep: 4, stepInEpoch: 0, maxSteps: 4, numEpochs: 2 });
    const last = trainer.state.logHistory[trainer.state.logHistory.length - 1];
    expect(Object.keys(last).sort()).toEqual(['epoch', 'step', 'train_loss', 'train_runtime', 'train_steps_per_second']);
  });

  it('steps a step-interval scheduler per optimizer step, and not on steps the GradScaler skipped', async () => {
    const model = mlp(1);
    const optimizer = new SGD(model.parameters(), { lr: 1 });
    const scheduler = new StepLR(schedulable(optimizer), { stepSize: 1, gamma: 0.5 });
    let calls = 0;
    // The 3rd micro-batch's loss is inf: its gradients are inf, GradScaler skips that step.
    const loss = (logits: tf.Tensor, y: tf.Tensor) => (++calls === 3 ? tf.mul(crossEntropy(logits, y), Infinity) : crossEntropy(logits, y));
    const seen: Array<{ step: number; lr: number; skipped: boolean }> = [];
    const cb: Callback = { onStepEnd: (s, _l, c) => void seen.push({ step: s.globalStep, lr: optimizer.paramGroups[0].lr, skipped: c.skipped! }) };
    const trainer = new Trainer({ model, optimizer, scheduler, loss, amp: 'float16', callbacks: [cb], loggingSteps: 1 });
    await trainer.fit({ trainLoader: loader(blobs(40), 8), epochs: 1 });
    expect(seen).toEqual([
      { step: 1, lr: 0.5, skipped: false },
      { step: 2, lr: 0.25, skipped: false },
      { step: 3, lr: 0.25, skipped: true },
      { step: 4, lr: 0.125, skipped: false },
      { step: 5, lr: 0.0625, skipped: false },
    ]);
    expect(trainer.scaler!.getScale()).toBe(2 ** 15);
    expect(trainer.state.logHistory[2].loss).toBe(Infinity);
  });

  it('switches a schedule-free optimizer as HF does: train mode for steps, eval mode for evaluate() and predict() and after fit()', async () => {
    const model = mlp(2);
    const optimizer = new AdamWScheduleFree(model.parameters(), { lr: 0.02, warmupSteps: 2 });
    const mode = () => (optimizer.paramGroups[0].trainMode ? 'train' : 'eval');
    const seen: string[] = [];
    const cb: Callback = { onStepBegin: () => void seen.push(`step:${mode()}`), onEvaluateBegin: () => void seen.push(`evaluate:${mode()}`) };
    const evalLoader = loader(blobs(12, { seed: 3 }), 12, false);
    const trainer = new Trainer({ model, optimizer, callbacks: [cb], evalLoader });
    expect(mode()).toBe('eval'); // as in the reference, a new optimizer starts in eval mode
    await trainer.fit({ trainLoader: loader(blobs(16), 8), epochs: 2 });
    expect(seen).toEqual(['step:train', 'step:train', 'evaluate:eval', 'step:train', 'step:train', 'evaluate:eval']);
    expect(mode()).toBe('eval');
    const x = weightsOf(model.namedParameters());
    const evaluated = await trainer.evaluate();
    const input = tf.ones([2, 4]);
    const logits = await trainer.predict(input);
    // In train mode the parameters hold y, not x; evaluate() and predict() still use x.
    optimizer.train();
    expect(weightsOf(model.namedParameters())).not.toEqual(x);
    expect((await trainer.evaluate()).loss).toBeCloseTo(evaluated.loss, 6);
    const again = await trainer.predict(input);
    expect(Array.from(again.dataSync())).toEqual(Array.from(logits.dataSync()));
    expect(mode()).toBe('eval');
    tf.dispose([input, logits, again]);
  });

  it("steps an 'epoch'-interval scheduler once per epoch", async () => {
    const model = mlp(1);
    const optimizer = new SGD(model.parameters(), { lr: 1 });
    const scheduler = new LinearLR(schedulable(optimizer), { startFactor: 1, endFactor: 0.25, totalIters: 3 });
    const lrs: number[] = [];
    const trainer = new Trainer({ model, optimizer, scheduler, schedulerInterval: 'epoch', callbacks: [{ onEpochBegin: () => void lrs.push(optimizer.paramGroups[0].lr) }] });
    await trainer.fit({ trainLoader: loader(blobs(32), 8), epochs: 4 });
    expect(lrs).toEqual([1, 0.75, 0.5, 0.25]);
    expect(trainer.state.logHistory.filter((l) => l.train_loss !== undefined && l.learning_rate !== undefined).map((l) => l.learning_rate)).toEqual([0.75, 0.5, 0.25, 0.25]);
  });

  it('feeds ReduceLROnPlateau the eval loss at each epoch end', async () => {
    const model = mlp(2);
    const optimizer = new SGD(model.parameters(), { lr: 0.5 });
    const scheduler = new ReduceLROnPlateau(schedulable(optimizer), { patience: 0, factor: 0.5 });
    const fed: number[] = [];
    const step = scheduler.step.bind(scheduler);
    scheduler.step = (m?: number) => {
      fed.push(m!);
      step(m);
    };
    // The loss never falls on the eval set when lr makes no difference: eval on a fixed, unlearnable set.
    const evalSet = { length: 8, get: (i: number) => [{ data: new Float32Array(4), shape: [4] }, i % 3] as [{ data: Float32Array; shape: number[] }, number] };
    const trainer = new Trainer({ model, optimizer, scheduler, evalLoader: loader(evalSet, 8, false) });
    await trainer.fit({ trainLoader: loader(blobs(16), 8), epochs: 3 });
    const evalLosses = trainer.state.logHistory.filter((l) => l.eval_loss !== undefined).map((l) => l.eval_loss);
    expect(fed).toEqual(evalLosses);
    expect(scheduler.best).toBe(Math.min(...evalLosses));
    expect(optimizer.paramGroups[0].lr).toBeLessThanOrEqual(0.5);
  });

  it('feeds ReduceLROnPlateau the train loss when there is no evalLoader', async () => {
    const model = mlp(2);
    const optimizer = new SGD(model.parameters(), { lr: 0.1 });
    const scheduler = new ReduceLROnPlateau(schedulable(optimizer));
    const trainer = new Trainer({ model, optimizer, scheduler });
    await trainer.fit({ trainLoader: loader(blobs(16), 8), epochs: 2 });
    const trainLosses = trainer.state.logHistory.filter((l) => l.learning_rate !== undefined && l.train_loss !== undefined).map((l) => l.train_loss);
    expect(scheduler.best).toBe(Math.min(...trainLosses));
  });

  it('stops early and restores the best weights', async () => {
    const model = mlp(3);
    const optimizer = new SGD(model.parameters(), { lr: 0.05 });
    const snapshots: Array<Record<string, Float32Array>> = [];
    let epoch = 0;
    // eval loss: 3, 1, 2, 2, 2, ... best at epoch 1 (0-based), patience 2 → stops after epoch 3.
    const fake = [3, 1, 2, 2, 2, 2];
    const fakeEval: Callback = {
      onEpochEnd: (_s, logs) => {
        logs.eval_loss = fake[epoch++];
        snapshots.push(weightsOf(model.namedParameters()));
      },
    };
    const stop = new EarlyStopping({ patience: 2, restoreBest: true });
    const trainer = new Trainer({ model, optimizer, callbacks: [fakeEval, stop] });
    await trainer.fit({ trainLoader: loader(blobs(16), 8), epochs: 10 });
    expect(trainer.state.epoch).toBe(4);
    expect(stop.stoppedEpoch).toBe(3);
    expect(stop.bestEpoch).toBe(1);
    expect(weightsOf(model.namedParameters())).toEqual(snapshots[1]);
  });

  it('keeps tf.memory().numTensors flat across steps and epochs', async () => {
    const model = mlp(4, { batchNorm: true, dropout: 0.2 });
    const optimizer = new AdamW(model.parameters());
    const counts: number[] = [];
    const epochCounts: number[] = [];
    const trainer = new Trainer({
      model,
      optimizer,
      amp: 'float16',
      maxGradNorm: 1,
      gradientAccumulationSteps: 2,
      loggingSteps: 1,
      evalLoader: loader(blobs(16), 8, false),
      callbacks: [{ onStepEnd: () => void counts.push(tf.memory().numTensors) }, { onEpochEnd: () => void epochCounts.push(tf.memory().numTensors) }],
    });
    await trainer.fit({ trainLoader: loader(blobs(40), 8), epochs: 3 });
    // After the first step every optimizer state tensor exists; from then on the count must not move.
    // (At an epoch's end the loader has released its batches: fewer, but the same each epoch.)
    expect(counts.length).toBe(9);
    expect(new Set(counts.slice(1))).toEqual(new Set([counts[1]]));
    expect(new Set(epochCounts)).toEqual(new Set([epochCounts[0]]));
    const before = tf.memory().numTensors;
    await trainer.fit({ trainLoader: loader(blobs(40), 8), epochs: 1 });
    expect(tf.memory().numTensors).toBe(before);
  });

  it("evaluate: accuracy and confusion matrix on a hand-checked case", async () => {
    const model = new Linear(2, 3, { bias: false });
    // logits = x: the predicted class is the larger coordinate, class 2 is never predicted.
    model.weight.assign(tf.tensor2d([1, 0, 0, 0, 1, 0], [2, 3]));
    const xs = [[1, 0], [1, 0], [0, 1], [1, 0], [0, 1], [0, 1]];
    const ys = [0, 1, 1, 0, 2, 1];
    const data = { length: 6, get: (i: number) => [{ data: Float32Array.from(xs[i]), shape: [2] }, ys[i]] as [{ data: Float32Array; shape: number[] }, number] };
    const trainer = new Trainer({ model, optimizer: new SGD(model.parameters(), { lr: 0.1 }), metrics: { mean_logit: (l) => tf.mean(l) } });
    const r = await trainer.evaluate(loader(data, 4, false));
    expect(r.metrics.mean_logit).toBeCloseTo(1 / 3, 7);
    expect(r.confusionMatrix).toEqual([
      [2, 0, 0],
      [1, 2, 0],
      [0, 1, 0],
    ]);
    expect(r.accuracy).toBeCloseTo(4 / 6, 12);
    expect(r.samples).toBe(6);
    const logits = tf.tensor2d(xs.map((x) => [...x, 0]));
    const expected = crossEntropy(logits, tf.tensor1d(ys, 'int32')).dataSync()[0];
    expect(r.loss).toBeCloseTo(expected, 6);
    const classes = await trainer.predict(loader(data, 4, false), { classes: true });
    expect(Array.from(classes.dataSync())).toEqual([0, 0, 1, 0, 1, 1]);
    const direct = await trainer.predict(tf.tensor2d([[3, 4]]));
    expect(Array.from(direct.dataSync())).toEqual([3, 4, 0]);
    tf.dispose([logits, classes, direct]);
  });

  it('NaNGuard stops with an error naming the step', async () => {
    const model = mlp(5);
    let calls = 0;
    const loss = (l: tf.Tensor, y: tf.Tensor) => (++calls === 4 ? tf.mul(crossEntropy(l, y), NaN) : crossEntropy(l, y));
    const trainer = new Trainer({ model, optimizer: new SGD(model.parameters(), { lr: 0.1 }), loss, callbacks: [new NaNGuard()] });
    const err = await trainer.fit({ trainLoader: loader(blobs(48), 8), epochs: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect(err.message).toMatch(/^Loss is NaN at step 4 \(epoch 1\)/);
    expect(trainer.state.isTraining).toBe(false);
  });

  it('rejects bad options with InvalidArgumentErrors naming the option and value', async () => {
    const model = mlp(0);
    const optimizer = new SGD(model.parameters(), { lr: 0.1 });
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ gradientAccumulationSteps: 0 }, /Invalid gradientAccumulationSteps: 0/],
      [{ loggingSteps: 1.5 }, /Invalid loggingSteps: 1.5/],
      [{ schedulerInterval: 'batch' }, /Invalid schedulerInterval: "batch"/],
      [{ amp: 'half' }, /Invalid amp: "half"/],
      [{ maxGradNorm: -1 }, /Invalid maxGradNorm: -1/],
      [{ monitorMode: 'up' }, /Invalid monitorMode: "up"/],
      [{ optimizer: {} }, /Invalid optimizer/],
      [{ model: 42 }, /Invalid model: 42/],
      [{ loss: 'mse' }, /Invalid loss: "mse"/],
    ];
    for (const [override, message] of bad) {
      const make = () => new Trainer({ model, optimizer, ...override } as never);
      expect(make).toThrow(InvalidArgumentError);
      expect(make).toThrow(message);
    }
    const trainer = new Trainer({ model, optimizer });
    await expect(trainer.fit({ trainLoader: loader(blobs(8)), epochs: 0 })).rejects.toThrow(/Invalid epochs: 0/);
    await expect(trainer.fit({ trainLoader: [] as never })).rejects.toThrow(/Invalid trainLoader/);
    await expect(trainer.fit({ trainLoader: loader(blobs(8)), resumeFrom: 'latest' })).rejects.toThrow(/needs the trainer's outputDir/);
  });

  it('maxSteps overrides epochs and can stop mid-epoch', async () => {
    const model = mlp(0);
    const trainer = new Trainer({ model, optimizer: new SGD(model.parameters(), { lr: 0.1 }), gradientAccumulationSteps: 2, loggingSteps: 1 });
    await trainer.fit({ trainLoader: loader(blobs(40), 8), epochs: 1, maxSteps: 4 });
    // 5 micro-batches an epoch → 3 optimizer steps (2 + 2 + 1).
    expect(trainer.state).toMatchObject({ globalStep: 4, epoch: 1, stepInEpoch: 1, stepsPerEpoch: 3, numEpochs: 2 });
  });
});

describe('options that reach into other packages', () => {
  it("amp 'auto' is float32 without native half and float16 with it", async () => {
    const { activeAdapter, getDefaultGenerator, Generator } = await import('@descent/core');
    const { resolveAmp } = await import('../src/index.js');
    const caps = activeAdapter()!.capabilities;
    expect(caps.float16).toBe(false);
    expect(resolveAmp('auto')).toBeNull();
    caps.float16 = true;
    try {
      expect(resolveAmp('auto')).toBe('float16');
    } finally {
      caps.float16 = false;
    }
    const model = mlp(0);
    new Trainer({ model, optimizer: new SGD(model.parameters(), { lr: 0.1 }), seed: 1234 });
    expect(getDefaultGenerator().getState()).toEqual(new Generator(1234).getState());
  });
});
