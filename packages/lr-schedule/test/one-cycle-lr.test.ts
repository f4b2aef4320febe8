import { describe, expect, it } from 'vitest';
import * as L from '../src/index.js';
import { fixtureSuite, makeOptimizer } from './fixture.js';

const sgd = () => makeOptimizer({ kind: 'sgd', defaults: { lr: 0.1, momentum: 0.9 }, groups: [{ lr: 0.1, momentum: 0.9 }, { lr: 0.05, momentum: 0.8 }] });

describe('OneCycleLR', () => {
  fixtureSuite('one-cycle-lr');

  it('stepping past totalSteps names both numbers and the usual cause', () => {
    const opt = sgd();
    const s = new L.OneCycleLR(opt, { maxLr: 0.1, totalSteps: 10 });
    for (let i = 0; i < 10; i++) (opt.step(), s.step());
    expect(() => s.step()).toThrow(/tried to step 12 times, but totalSteps is 10.*per batch while totalSteps counts epochs/);
    expect(s.lastEpoch).toBe(10);
  });
  it('needs totalSteps or epochs and stepsPerEpoch', () => {
    expect(() => new L.OneCycleLR(sgd(), { maxLr: 0.1 })).toThrow(/totalSteps OR \(epochs AND stepsPerEpoch\)/);
    expect(() => new L.OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: 10, pctStart: 1.5 })).toThrow(/pctStart must be between 0 and 1, got 1.5/);
  });
});
