// The explorer's schedules in Node: each one's defaults give a curve over the
// whole run on both optimizers' param groups, the curve is the library's, and
// the code line names what the page would call.
import { OneCycleLR, StepLR, getWsdSchedule, sampleSchedule } from '@descent/lr-schedule';
import { describe, expect, it } from 'vitest';
import { groupFields } from '../src/config.ts';
import { EXPLORER_SCHEDULES, defaultOptions, findExplorerSchedule, scheduleCode, scheduleCurve } from '../src/schedules.ts';

const STEPS = 300;
const LR = 1e-3;

describe('schedule explorer', () => {
  it('offers torch and transformers schedules, each once', () => {
    const names = EXPLORER_SCHEDULES.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((n) => findExplorerSchedule(n).source === 'torch')).toHaveLength(10);
    expect(names.filter((n) => findExplorerSchedule(n).source === 'transformers')).toHaveLength(9);
  });

  for (const schedule of EXPLORER_SCHEDULES) {
    it(`${schedule.name}: its defaults give a finite curve over the run with Adam and with SGD`, () => {
      const choice = { name: schedule.name, options: defaultOptions(schedule, STEPS, LR) };
      for (const kind of ['adam', 'sgd'] as const) {
        const curve = scheduleCurve(choice, STEPS, { lr: LR, ...groupFields(kind) });
        expect(curve).toHaveLength(STEPS);
        expect(curve.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
        expect(Math.max(...curve)).toBeGreaterThan(0);
      }
      expect(scheduleCode(choice)).toMatch(schedule.source === 'torch' ? new RegExp(`^new ${schedule.name}\\(optimizer`) : /^get\w+\(optimizer/);
    });
  }

  it('draws the library curve (StepLR, OneCycleLR cycling Adam betas, WSD)', () => {
    const opt = () => ({ paramGroups: [{ lr: LR, betas: [0.9, 0.999] as [number, number] }] });
    const step = { name: 'StepLR', options: { stepSize: 75, gamma: 0.5 } };
    expect(scheduleCurve(step, STEPS, opt().paramGroups[0])).toEqual(sampleSchedule(new StepLR(opt(), { stepSize: 75, gamma: 0.5 }), STEPS)[0]);
    const one = { name: 'OneCycleLR', options: defaultOptions(findExplorerSchedule('OneCycleLR'), STEPS, LR) };
    expect(scheduleCurve(one, STEPS, opt().paramGroups[0])).toEqual(sampleSchedule(new OneCycleLR(opt(), one.options as never), STEPS)[0]);
    const wsd = { name: 'warmup_stable_decay', options: defaultOptions(findExplorerSchedule('warmup_stable_decay'), STEPS, LR) };
    expect(scheduleCurve(wsd, STEPS, opt().paramGroups[0])).toEqual(sampleSchedule(getWsdSchedule(opt(), wsd.options as never), STEPS)[0]);
    expect(scheduleCode(wsd)).toBe("getWsdSchedule(optimizer, { numWarmupSteps: 30, numDecaySteps: 60, numTrainingSteps: 300, warmupType: 'linear', decayType: 'cosine', minLrRatio: 0 })");
  });

  it('passes bad options to the library, which names them', () => {
    expect(() => scheduleCurve({ name: 'StepLR', options: { stepSize: 0, gamma: 0.5 } }, STEPS, { lr: LR })).toThrow(/stepSize/);
    expect(() => findExplorerSchedule('nope')).toThrow(/Unknown schedule "nope"/);
  });
});
