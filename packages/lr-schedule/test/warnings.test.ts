import { afterEach, describe, expect, it } from 'vitest';
import * as L from '../src/index.js';

let warnings: string[] = [];
const prev = L.setWarningHandler((m) => warnings.push(m));
afterEach(() => {
  warnings = [];
});
process.on('exit', () => L.setWarningHandler(prev));

const optimizer = () => ({ paramGroups: [{ lr: 0.1 }], step() {} });

describe('warnings, as torch gives them', () => {
  it('scheduler.step() before optimizer.step()', () => {
    const opt = optimizer();
    const s = new L.StepLR(opt, { stepSize: 2 });
    s.step();
    expect(warnings).toEqual([L.STEP_BEFORE_OPTIMIZER_WARNING]);
  });

  it('none in the right order', () => {
    const opt = optimizer();
    const s = new L.StepLR(opt, { stepSize: 2 });
    for (let i = 0; i < 5; i++) (opt.step(), s.step());
    expect(warnings).toEqual([]);
  });

  it('none when a GradScaler skipped the optimizer step (pytorch#44511)', () => {
    const opt = optimizer();
    const s = new L.StepLR(opt, { stepSize: 2 });
    // What @descent/amp's GradScaler does on inf/NaN gradients instead of calling optimizer.step().
    L.markOptimizerStepAttempt(opt);
    s.step();
    expect(warnings).toEqual([]);
    // The same works through the global symbol, with no import of this package.
    const opt2 = optimizer();
    const s2 = new L.ExponentialLR(opt2, { gamma: 0.9 });
    (opt2 as Record<symbol, number>)[Symbol.for('descent.optimizer.stepAttempts')]! += 1;
    s2.step();
    expect(warnings).toEqual([]);
  });

  it('optimizer.step replaced after the scheduler was built', () => {
    const opt = optimizer();
    const s = new L.StepLR(opt, { stepSize: 2 });
    opt.step = () => {};
    opt.step();
    s.step();
    expect(warnings).toEqual([L.STEP_OVERRIDDEN_WARNING]);
  });

  it('step(epoch) is deprecated and uses the closed form', () => {
    const opt = optimizer();
    const s = new L.StepLR(opt, { stepSize: 2, gamma: 0.5 });
    opt.step();
    s.step(5);
    expect(warnings).toEqual([L.EPOCH_DEPRECATION_WARNING]);
    expect(s.getLastLr()).toEqual([0.025]);
  });

  it('a bare { paramGroups } object cannot be watched, so it never warns', () => {
    const s = new L.StepLR({ paramGroups: [{ lr: 1 }] }, { stepSize: 2 });
    s.step();
    expect(warnings).toEqual([]);
  });

  it('the default handler prints each message once', () => {
    L.setWarningHandler(null);
    const lines: unknown[] = [];
    const orig = console.warn;
    console.warn = (m: unknown) => lines.push(m);
    try {
      for (let i = 0; i < 3; i++) new L.StepLR(optimizer(), { stepSize: 2 }).step();
    } finally {
      console.warn = orig;
      L.setWarningHandler((m) => warnings.push(m));
    }
    expect(lines).toHaveLength(1);
    expect(String(lines[0])).toContain('before `optimizer.step()`');
  });
});
