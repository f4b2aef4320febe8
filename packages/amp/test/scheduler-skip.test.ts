import * as tf from '@tensorflow/tfjs-core';
import { StepLR, setWarningHandler } from '@descent/lr-schedule';
import { beforeAll, expect, it } from 'vitest';
import { GradScaler } from '../src/index.js';
import { TestSgd, cpu } from './setup.js';

beforeAll(cpu);

// pytorch#44511: when GradScaler skips the very first optimizer step, torch warns
// that the scheduler stepped before the optimizer. Descent counts the skip.
it('a step skipped by GradScaler gives no false scheduler-order warning', async () => {
  const warnings: string[] = [];
  const previous = setWarningHandler((m) => warnings.push(m));
  try {
    const w = tf.variable(tf.ones([2]), true, 'w_sched_skip');
    const opt = new TestSgd({ w_sched_skip: w }, 0.1);
    const scheduler = new StepLR(opt, { stepSize: 1, gamma: 0.5 });
    const scaler = new GradScaler();
    const stepped = await scaler.step(opt, { w_sched_skip: tf.tensor1d([Infinity, 1]) });
    scaler.update();
    expect(stepped).toBe(false);
    expect(opt.steps).toBe(0);
    scheduler.step();
    expect(warnings).toEqual([]);
    expect(scheduler.getLastLr()).toEqual([0.05]);

    // Without the scaler in between, the misuse is still reported.
    const opt2 = new TestSgd({}, 0.1);
    new StepLR(opt2, { stepSize: 1 }).step();
    expect(warnings.join('\n')).toMatch(/lr_scheduler.step\(\)|optimizer.step\(\)|before/);
  } finally {
    setWarningHandler(previous);
  }
});
