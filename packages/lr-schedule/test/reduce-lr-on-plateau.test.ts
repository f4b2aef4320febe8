import { describe, expect, it } from 'vitest';
import * as L from '../src/index.js';
import { fixtureSuite, makeOptimizer } from './fixture.js';

const sgd = () => makeOptimizer({ kind: 'sgd', defaults: { lr: 0.1, momentum: 0.9 }, groups: [{ lr: 0.1, momentum: 0.9 }, { lr: 0.05, momentum: 0.8 }] });

describe('ReduceLROnPlateau', () => {
  const cases = fixtureSuite('reduce-lr-on-plateau');

  it('the fixtures feed NaN metrics', () => {
    expect(cases.some((c) => c.metrics!.some(Number.isNaN))).toBe(true);
  });

  it('warns on a NaN metric and counts it as a bad epoch', () => {
    const warnings: string[] = [];
    const prev = L.setWarningHandler((m) => warnings.push(m));
    const s = new L.ReduceLROnPlateau(sgd(), { patience: 0 });
    s.step(1);
    s.step(NaN);
    L.setWarningHandler(prev);
    expect(warnings).toEqual([L.NAN_METRIC_WARNING]);
    expect(s.getLastLr()[0]).toBeCloseTo(0.01, 15);
  });

  it('checks its arguments', () => {
    expect(() => new L.ReduceLROnPlateau(sgd(), { factor: 1 })).toThrow(/factor should be < 1.0, got 1/);
    expect(() => new L.ReduceLROnPlateau(sgd(), { mode: 'up' as never })).toThrow(/mode must be 'min' or 'max', got "up"/);
    expect(() => new L.ReduceLROnPlateau(sgd(), { minLr: [0.1] })).toThrow(/expected 2 values for minLr/);
    expect(() => new L.ReduceLROnPlateau(sgd()).step()).toThrow(/needs the monitored metric/);
  });
});
