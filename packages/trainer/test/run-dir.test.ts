import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@descent/core';
import { DataLoader, type NdArray } from '@descent/data';
import { Flatten, Linear, ReLU, Sequential } from '@descent/nn';
import { AdamW } from '@descent/optim';
import { CosineAnnealingLR } from '@descent/lr-schedule';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMA, LRMonitor, MetricsLogger, ProgressBar, Timer, Trainer, confusionMatrixSvg, formatEpoch, type CallbackContext, type Logs } from '../src/index.js';
import { initialState } from '../src/state.js';
import { cpu, tempDir, weightsOf, schedulable } from './setup.js';

beforeAll(cpu);
const tmp = tempDir();
afterAll(tmp.cleanup);

/** 28x28 grayscale "digits": class c lights rows 6c..6c+5, under heavy noise. */
function bars(n: number, seed: number) {
  const g = new Generator(seed);
  const samples: Array<[NdArray, number]> = [];
  for (let i = 0; i < n; i++) {
    const c = i % 4;
    const data = new Float32Array(28 * 28);
    for (let p = 0; p < data.length; p++) data[p] = g.uniform(0, 1.6) + (Math.floor(p / 28 / 6) === c ? 0.5 : 0);
    samples.push([{ data, shape: [28, 28, 1] }, c]);
  }
  return { length: n, get: (i: number) => samples[i] };
}

describe('a run directory', () => {
  const out: Array<{ text: string }> = [];
  const stream = { write: (text: string) => void out.push({ text }), isTTY: false };
  const tty: string[] = [];
  const ttyStream = { write: (text: string) => void tty.push(text), isTTY: true, columns: 200 };
  let trainer: Trainer;
  let logger: MetricsLogger;
  let ema: EMA;
  let lr: LRMonitor;
  let timer: Timer;

  beforeAll(async () => {
    const model = new Sequential(new Flatten(), new Linear(784, 32), new ReLU(), new Linear(32, 4));
    const optimizer = new AdamW(model.parameters(), { lr: 3e-3 });
    logger = new MetricsLogger();
    ema = new EMA({ decay: 0.5 });
    lr = new LRMonitor({ logMomentum: true });
    timer = new Timer();
    trainer = new Trainer({
      model,
      optimizer,
      scheduler: new CosineAnnealingLR(schedulable(optimizer), { tMax: 12 }),
      loggingSteps: 2,
      outputDir: tmp.dir,
      evalLoader: new DataLoader(bars(40, 9), { batchSize: 20 }),
      callbacks: [new ProgressBar({ stream }), new ProgressBar({ stream: ttyStream, refreshMs: 0 }), logger, ema, lr, timer],
      classNames: ['top', 'upper', 'middle', 'lower'],
    });
    await trainer.fit({ trainLoader: new DataLoader(bars(48, 1), { batchSize: 8, shuffle: true }), epochs: 2 });
  });

  it('writes curves, a confusion matrix and the misclassified images as SVG and PNG', () => {
    const plots = readdirSync(join(tmp.dir, 'plots')).sort();
    const names = ['accuracy', 'confusion_matrix', 'epoch_loss', 'learning_rate', 'loss', 'misclassified'];
    expect(plots).toEqual(names.flatMap((n) => [`${n}.png`, `${n}.svg`]));
    for (const p of plots.filter((f) => f.endsWith('.png'))) expect(readFileSync(join(tmp.dir, 'plots', p)).subarray(1, 4).toString()).toBe('PNG');
    const cm = readFileSync(join(tmp.dir, 'plots', 'confusion_matrix.svg'), 'utf8');
    const matrix = trainer.lastEvaluation!.confusionMatrix!;
    expect(matrix.flat().reduce((a, b) => a + b)).toBe(40);
    for (const v of matrix.flat()) expect(cm).toContain(`>${v}</text>`);
    expect(cm).toContain('>middle</text>');
    const grid = readFileSync(join(tmp.dir, 'plots', 'misclassified.svg'), 'utf8');
    const wrong = 40 - matrix.reduce((a, row, i) => a + row[i], 0);
    expect(wrong).toBeGreaterThan(0);
    expect(grid.match(/<image /g)!.length).toBe(Math.min(25, wrong));
    expect(grid).toMatch(/pred (top|upper|middle|lower)/);
  });

  it('logs every entry as JSONL and CSV with the union of keys', () => {
    const lines = readFileSync(join(tmp.dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Logs);
    expect(lines).toEqual(trainer.state.logHistory);
    const csv = readFileSync(join(tmp.dir, 'metrics.csv'), 'utf8').trim().split('\n');
    const header = csv[0].split(',');
    expect(new Set(header)).toEqual(new Set(trainer.state.logHistory.flatMap((l) => Object.keys(l))));
    expect(csv.length).toBe(trainer.state.logHistory.length + 1);
    const row = csv[1].split(',');
    expect(Number(row[header.indexOf('loss')])).toBe(trainer.state.logHistory[0].loss);
  });

  it('LRMonitor, Timer and EMA add what they promise', () => {
    const stepLog = trainer.state.logHistory[0];
    expect(stepLog.lr_group_0).toBe(stepLog.learning_rate);
    expect(stepLog.momentum_group_0).toBe(0.9);
    expect(stepLog.elapsed).toBeGreaterThan(0);
    expect(lr.history.map((h) => h.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const epochLogs = trainer.state.logHistory.filter((l) => l.epoch_runtime !== undefined);
    expect(epochLogs.length).toBe(2);
    expect(timer.epochs.length).toBe(2);
    expect(timer.total).toBeGreaterThanOrEqual(timer.epochs[0] + timer.epochs[1]);
    expect(ema.averaged!.nAveraged).toBe(12);
    // Evaluation ran on the averaged weights and gave the model its own back.
    expect(ema.averaged!.isSwappedIn).toBe(false);
    const own = weightsOf(trainer.model.stateEntries().map((e) => [e.key, e.variable]));
    const avg = weightsOf(ema.averaged!.namedTensors());
    expect(own['1.weight']).not.toEqual(avg['1.weight']);
  });

  it('the progress bar: plain lines off a terminal, one redrawn line on one', () => {
    const plain = out.map((o) => o.text).join('');
    expect(plain).toMatch(/epoch 1\/2 3\/6 step 3\/12 loss|epoch 1\/2 2\/6 step 2\/12 loss \d\.\d{4} lr \d\.\d{2}e-3 [\d.]+ it\/s ETA \d\d:\d\d tensors \d+\n/);
    expect(plain).toMatch(/epoch 1\/2 done: epoch 1 train_loss \d\.\d{4}/);
    expect(plain).toMatch(/epoch 2\/2 done: epoch 2 train_loss/);
    expect(plain).not.toContain('\r');
    expect(tty.every((t) => t.startsWith('\r') || t.endsWith('\n'))).toBe(true);
    expect(tty.join('')).toMatch(/\repoch 2\/2 \|█+ *\| \d\/6 step \d+\/12/);
  });

  it('evaluate() from outside uses the EMA weights too', async () => {
    const before = weightsOf(trainer.model.stateEntries().map((e) => [e.key, e.variable]));
    const r = await trainer.evaluate();
    expect(r.samples).toBe(40);
    expect(weightsOf(trainer.model.stateEntries().map((e) => [e.key, e.variable]))).toEqual(before);
  });

  it('draws an annotated confusion matrix', () => {
    const svg = confusionMatrixSvg([[5, 1], [0, 7]], { labels: ['cat', 'dog'] });
    expect(svg).toContain('>7</text>');
    expect(svg).toContain('>dog</text>');
    expect(svg.match(/<rect /g)!.length).toBe(5);
  });
});

it('the progress bar prints whole epochs as integers and fractional ones with two decimals', () => {
  const lines: string[] = [];
  const bar = new ProgressBar({ stream: { write: (t: string) => void lines.push(t), isTTY: false } });
  const state = { ...initialState(), epoch: 1, numEpochs: 3 };
  const context = { trainer: { optimizer: { paramGroups: [{ lr: 1e-3 }] } } } as unknown as CallbackContext;
  bar.onTrainBegin(state);
  // Evaluations every few steps log a fractional epoch.
  for (const epoch of [2, 1.5, 1 / 3, 1.9983, 10]) bar.onLog(state, { epoch, step: 4, eval_loss: 0.25 }, context);
  expect(lines.map((l) => l.match(/done: epoch (\S+) /)?.[1])).toEqual(['2', '1.5', '0.33', '1.9983', '10']);
  expect(lines[0]).toBe('epoch 2/3 done: epoch 2 eval_loss 0.2500\n');
  expect([formatEpoch(0), formatEpoch(0.25), formatEpoch(2.999999), formatEpoch(Number.NaN)]).toEqual(['0', '0.25', '3', 'NaN']);
});

it('reads the loss back only when logging, not every step', async () => {
  const reads: number[] = [];
  const model = new Sequential(new Linear(4, 3));
  const trainer = new Trainer({ model, optimizer: new AdamW(model.parameters()), loggingSteps: 5 });
  const data = { length: 40, get: (i: number) => [{ data: Float32Array.of(i, 1, 2, 3), shape: [4] }, i % 3] as [NdArray, number] };
  const original = tf.Tensor.prototype.data;
  tf.Tensor.prototype.data = function (this: tf.Tensor) {
    reads.push(this.size);
    return original.call(this);
  } as typeof original;
  try {
    await trainer.fit({ trainLoader: new DataLoader(data, { batchSize: 4 }), epochs: 1 });
  } finally {
    tf.Tensor.prototype.data = original;
  }
  // 10 steps, logs at 5 and 10: two loss reads, one at the epoch's end (its remainder is 0: no read), none per step.
  expect(reads.length).toBeLessThanOrEqual(3);
});
