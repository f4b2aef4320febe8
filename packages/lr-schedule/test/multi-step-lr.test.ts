import { describe, expect, it } from 'vitest';
import * as L from '../src/index.js';
import { fixtureSuite, makeOptimizer } from './fixture.js';

const sgd = () => makeOptimizer({ kind: 'sgd', defaults: { lr: 0.1, momentum: 0.9 }, groups: [{ lr: 0.1, momentum: 0.9 }, { lr: 0.05, momentum: 0.8 }] });

describe('MultiStepLR', () => {
  fixtureSuite('multi-step-lr');

  it('closed form (step(epoch)) counts repeated milestones', () => {
    const prev = L.setWarningHandler(() => {});
    const s = new L.MultiStepLR(sgd(), { milestones: [3, 3, 5], gamma: 0.5 });
    s.step(4);
    expect(s.getLastLr()).toEqual([0.025, 0.0125]);
    L.setWarningHandler(prev);
  });
  it('names bad milestones', () => {
    expect(() => new L.MultiStepLR(sgd(), { milestones: [1.5] })).toThrow(/milestones must be an array of integers, got \[1.5\]/);
  });
});
