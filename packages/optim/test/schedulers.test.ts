// @descent/optim's optimizers drive @descent/lr-schedule's schedulers with no
// cast: their param groups are interfaces, and this file is typechecked in
// strict mode with the package (test/packages.test.ts).
import * as tf from '@tensorflow/tfjs-core';
import { getCosineScheduleWithWarmup, OneCycleLR, ReduceLROnPlateau, StepLR } from '@descent/lr-schedule';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW, SGD } from '../src/index.js';
import { cpu } from './setup.js';

beforeAll(cpu);

describe('optimizers with lr-schedule schedulers', () => {
  it('StepLR halves an AdamW group lr, and the step uses it', () => {
    const w = tf.variable(tf.ones([2]));
    const opt = new AdamW([w], { lr: 0.1 });
    const s = new StepLR(opt, { stepSize: 1, gamma: 0.5 });
    opt.step({ [w.name]: tf.ones([2]) });
    s.step();
    expect(opt.paramGroups[0]!.lr).toBe(0.05);
    w.dispose();
  });

  it('OneCycleLR writes SGD momentum, ReduceLROnPlateau and the HF schedules take the optimizer as is', () => {
    const w = tf.variable(tf.ones([2]));
    const sgd = new SGD([w], { lr: 0.1, momentum: 0.9 });
    const one = new OneCycleLR(sgd, { maxLr: 1, totalSteps: 10 });
    sgd.step({ [w.name]: tf.ones([2]) });
    one.step();
    expect(sgd.paramGroups[0]!.momentum).toBeLessThan(0.95);
    const adam = new AdamW([w], { lr: 0.1 });
    const plateau = new ReduceLROnPlateau(adam, { patience: 0 });
    plateau.step(1);
    plateau.step(2);
    expect(adam.paramGroups[0]!.lr).toBeCloseTo(0.01, 10);
    expect(getCosineScheduleWithWarmup(adam, { numWarmupSteps: 2, numTrainingSteps: 10 }).getLastLr()).toEqual([0]);
    w.dispose();
  });
});
