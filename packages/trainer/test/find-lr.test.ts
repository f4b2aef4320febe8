import * as tf from '@tensorflow/tfjs-core';
import { getDefaultGenerator, InvalidArgumentError } from '@descent/core';
import { StepLR } from '@descent/lr-schedule';
import { AdamW } from '@descent/optim';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { steepestIndex, sweepLr, Trainer } from '../src/index.js';
import { blobs, cpu, loader, mlp, tempDir, weightsOf, schedulable } from './setup.js';

beforeAll(cpu);
const tmp = tempDir();
afterAll(tmp.cleanup);

describe('findLr', () => {
  it('sweeps the lr, suggests one in range, and restores model, optimizer, scheduler, RNG and loader', async () => {
    const model = mlp(0, { dropout: 0.1 });
    const optimizer = new AdamW(model.parameters(), { lr: 1e-3 });
    const scheduler = new StepLR(schedulable(optimizer), { stepSize: 1, gamma: 0.5 });
    const trainer = new Trainer({ model, optimizer, scheduler, outputDir: tmp.dir });
    const trainLoader = loader(blobs(64), 8);
    // One real step first, so there is optimizer state to restore.
    await trainer.fit({ trainLoader, maxSteps: 1 });
    const before = weightsOf(model.namedParameters());
    const optBefore = optimizer.stateDict();
    const expAvg = Float32Array.from(await (optBefore.state['0'].expAvg as tf.Tensor).data());
    const rng = getDefaultGenerator().getState();
    const loaderState = trainLoader.stateDict();
    const lr = optimizer.paramGroups[0].lr;
    const tensors = tf.memory().numTensors;

    const r = await trainer.findLr({ trainLoader, startLr: 1e-5, endLr: 10, numSteps: 40 });
    expect(r.lrs[0]).toBeCloseTo(1e-5, 12);
    expect(r.lrs.length).toBe(r.losses.length);
    expect(r.lrs.length).toBeGreaterThan(15);
    for (let i = 1; i < r.lrs.length; i++) expect(r.lrs[i]).toBeGreaterThan(r.lrs[i - 1]);
    expect(r.suggestion).not.toBeNull();
    expect(r.suggestion!).toBeGreaterThan(1e-5);
    expect(r.suggestion!).toBeLessThan(10);
    // It sits where the smoothed loss falls fastest: below the start.
    const at = r.lrs.indexOf(r.suggestion!);
    expect(r.losses[at]).toBeLessThan(r.losses[0]);

    expect(weightsOf(model.namedParameters())).toEqual(before);
    const after = optimizer.stateDict();
    expect(after.state['0'].step).toBe(optBefore.state['0'].step);
    expect(Float32Array.from(await (after.state['0'].expAvg as tf.Tensor).data())).toEqual(expAvg);
    expect(optimizer.paramGroups[0].lr).toBe(lr);
    expect(scheduler.getLastLr()).toEqual([lr]);
    expect(getDefaultGenerator().getState()).toEqual(rng);
    expect(trainLoader.stateDict()).toEqual(loaderState);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(r.files).toEqual([join(tmp.dir, 'lr_find.svg'), join(tmp.dir, 'lr_find.png')]);
    expect(existsSync(r.files[1])).toBe(true);
  });

  it('stops once the smoothed loss diverges', async () => {
    const model = mlp(1);
    const trainer = new Trainer({ model, optimizer: new AdamW(model.parameters()) });
    const r = await trainer.findLr({ trainLoader: loader(blobs(64), 8), startLr: 1e-3, endLr: 1e4, numSteps: 100 });
    expect(r.lrs.length).toBeLessThan(100);
    expect(r.files).toEqual([]);
  });

  it('sweeps exponentially or linearly, and picks the steepest descent', () => {
    expect(sweepLr(0, 3, 1e-4, 1, 'exponential')).toBeCloseTo(1e-4, 15);
    expect(sweepLr(1, 3, 1e-4, 1, 'exponential')).toBeCloseTo(1e-2, 12);
    expect(sweepLr(2, 3, 1e-4, 1, 'exponential')).toBe(1);
    expect(sweepLr(1, 3, 0, 1, 'linear')).toBe(0.5);
    // torch.gradient of [5, 4, 2, 1.5, 1.4]: [-1, -1.5, -1.25, -0.3, -0.1] → index 1.
    expect(steepestIndex([5, 4, 2, 1.5, 1.4], 0, 0)).toBe(1);
    expect(steepestIndex([5, 4, 2, 1.5, 1.4], 2, 1)).toBe(2);
    expect(steepestIndex([1, NaN], 0, 0)).toBeNull();
  });

  it('rejects bad options', async () => {
    const model = mlp(1);
    const trainer = new Trainer({ model, optimizer: new AdamW(model.parameters()) });
    const trainLoader = loader(blobs(16), 8);
    await expect(trainer.findLr({ trainLoader, startLr: 0 })).rejects.toThrow(/Invalid startLr: 0/);
    await expect(trainer.findLr({ trainLoader, startLr: 1, endLr: 0.5 })).rejects.toThrow(/Invalid endLr: 0.5/);
    await expect(trainer.findLr({ trainLoader, mode: 'cosine' as never })).rejects.toThrow(/Invalid mode: "cosine"/);
    const empty = { async *[Symbol.asyncIterator]() {} };
    await expect(trainer.findLr({ trainLoader: empty as never })).rejects.toThrow(InvalidArgumentError);
    await expect(trainer.findLr({ trainLoader: empty as never })).rejects.toThrow('findLr: the trainLoader yielded no batches');
  });
});
