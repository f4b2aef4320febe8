import { describe, expect, it } from 'vitest';
import * as L from '../src/index.js';
import { fixtureSuite, makeOptimizer } from './fixture.js';

const sgd = () => makeOptimizer({ kind: 'sgd', defaults: { lr: 0.1, momentum: 0.9 }, groups: [{ lr: 0.1, momentum: 0.9 }, { lr: 0.05, momentum: 0.8 }] });

const BY_NAME: [L.HfSchedulerName, string, Record<string, unknown>][] = [
  ['constant', 'getConstantSchedule', {}],
  ['constant_with_warmup', 'getConstantScheduleWithWarmup', { numWarmupSteps: 4 }],
  ['linear', 'getLinearScheduleWithWarmup', { numWarmupSteps: 4, numTrainingSteps: 30 }],
  ['cosine', 'getCosineScheduleWithWarmup', { numWarmupSteps: 4, numTrainingSteps: 30, numCycles: 0.7 }],
  ['cosine_with_restarts', 'getCosineWithHardRestartsScheduleWithWarmup', { numWarmupSteps: 4, numTrainingSteps: 30, numCycles: 2 }],
  ['polynomial', 'getPolynomialDecayScheduleWithWarmup', { numWarmupSteps: 4, numTrainingSteps: 30, power: 3 }],
  ['inverse_sqrt', 'getInverseSqrtSchedule', { numWarmupSteps: 4 }],
  ['cosine_with_min_lr', 'getCosineWithMinLrScheduleWithWarmup', { numWarmupSteps: 4, numTrainingSteps: 30, minLrRate: 0.2 }],
  ['warmup_stable_decay', 'getWsdSchedule', { numWarmupSteps: 4, numTrainingSteps: 30, numDecaySteps: 10 }],
];

describe('HuggingFace schedules', () => {
  fixtureSuite('huggingface');

  for (const [name, fn, options] of BY_NAME) {
    it(`getScheduler('${name}') is ${fn}`, () => {
      const a = L.getScheduler(name, sgd(), options);
      const b = (L as unknown as Record<string, (o: L.OptimizerLike, x: object) => L.Scheduler>)[fn]!(sgd(), options);
      for (let i = 0; i < 40; i++) {
        expect(a.getLastLr()).toEqual(b.getLastLr());
        a.step();
        b.step();
      }
    });
  }

  it("getScheduler('reduce_lr_on_plateau') passes the plateau options", () => {
    const s = L.getScheduler('reduce_lr_on_plateau', sgd(), { patience: 1, mode: 'max' });
    expect(s).toBeInstanceOf(L.ReduceLROnPlateau);
    expect((s as L.ReduceLROnPlateau).patience).toBe(1);
  });

  it("SCHEDULERS holds transformers' names in SchedulerType's order, each mapped to its get_* function", () => {
    // transformers' trainer_utils.SchedulerType, in order.
    expect(L.HF_SCHEDULER_NAMES).toEqual(['linear', 'cosine', 'cosine_with_restarts', 'polynomial', 'constant', 'constant_with_warmup', 'inverse_sqrt', 'reduce_lr_on_plateau', 'cosine_with_min_lr', 'warmup_stable_decay']);
    for (const [name, fn] of [...BY_NAME, ['reduce_lr_on_plateau', 'getReduceOnPlateauSchedule'] as const]) {
      expect(L.SCHEDULERS[name].source).toBe('transformers');
      expect(L.SCHEDULERS[name].create).toBe((L as Record<string, unknown>)[fn]);
    }
    expect(L.getReduceOnPlateauSchedule(sgd(), { factor: 0.5 })).toBeInstanceOf(L.ReduceLROnPlateau);
  });

  it("SCHEDULERS holds torch's classes by class name", () => {
    const torch = Object.entries(L.SCHEDULERS).filter(([, s]) => s.source === 'torch');
    expect(torch.length).toBeGreaterThanOrEqual(10);
    for (const [name, s] of torch) {
      const cls = (L as Record<string, unknown>)[name] as new (...args: never[]) => L.Scheduler;
      const options = { stepSize: 2, milestones: [2], gamma: 0.5, tMax: 4, t0: 3, baseLr: 0.01, maxLr: 0.1, totalSteps: 10 };
      expect((s.create as (o: L.OptimizerLike, x: object) => L.Scheduler)(sgd(), options), name).toBeInstanceOf(cls);
    }
  });

  it('gives transformers\' errors', () => {
    expect(() => L.getScheduler('cosine', sgd(), { numWarmupSteps: 3 })).toThrow(/cosine requires `numTrainingSteps`/);
    expect(() => L.getScheduler('linear', sgd())).toThrow(/linear requires `numWarmupSteps`/);
    expect(() => L.getScheduler('nope' as never, sgd())).toThrow(/"nope" is not a valid scheduler name/);
    expect(() => L.getPolynomialDecayScheduleWithWarmup(sgd(), { numWarmupSteps: 1, numTrainingSteps: 5, lrEnd: 1 })).toThrow(/lrEnd \(1\) must be smaller than initial lr \(0.1\)/);
    expect(() => L.getCosineWithMinLrScheduleWithWarmup(sgd(), { numWarmupSteps: 1, numTrainingSteps: 5 })).toThrow(/One of minLr or minLrRate/);
    expect(() => L.getWsdSchedule(sgd(), { numWarmupSteps: 1, numDecaySteps: 5 })).toThrow(/Either numTrainingSteps or numStableSteps/);
  });
});
