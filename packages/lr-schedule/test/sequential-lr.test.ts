import { describe, expect, it } from 'vitest';
import * as L from '../src/index.js';
import { build, fixtureSuite, makeOptimizer } from './fixture.js';

const sgd = () => makeOptimizer({ kind: 'sgd', defaults: { lr: 0.1, momentum: 0.9 }, groups: [{ lr: 0.1, momentum: 0.9 }, { lr: 0.05, momentum: 0.8 }] });

describe('SequentialLR', () => {
  const cases = fixtureSuite('sequential-lr');

  // pytorch#162591: torch 1.13 restarts the first child whatever lastEpoch says.
  for (const c of cases) {
    it(`${c.name}: resumes from lastEpoch, unlike torch 1.13`, () => {
      for (const k of [0, 3, c.checkpointAt, c.steps - 1]) {
        const opt = makeOptimizer(c.optimizer);
        const o = c.options as { schedulers: { scheduler: string; options: Record<string, unknown> }[]; milestones: number[] };
        const children = o.schedulers.map((s) => build(s, opt) as L.ChildScheduler);
        const s = new L.SequentialLR(opt, { schedulers: children, milestones: o.milestones, lastEpoch: k });
        expect(s.lastEpoch).toBe(k + 1);
        const want = c.expected.lr[k + 1]!;
        s.getLastLr().forEach((v, g) => expect(v).toBeCloseTo(want[g]!, 12));
        opt.paramGroups.forEach((grp, g) => expect(grp.lr).toBeCloseTo(want[g]!, 12));
        if (k + 2 < c.expected.lr.length) {
          opt.step();
          s.step();
          s.getLastLr().forEach((v, g) => expect(v).toBeCloseTo(c.expected.lr[k + 2]![g]!, 12));
        }
      }
    });
  }

  it('hosts ReduceLROnPlateau after a warmup (pytorch#68978)', () => {
    const opt = sgd();
    const warm = new L.LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
    const plateau = new L.ReduceLROnPlateau(opt, { patience: 2, factor: 0.5 });
    const s = new L.SequentialLR(opt, { schedulers: [warm, plateau], milestones: [5] });
    const lrs: number[] = [s.getLastLr()[0]!];
    const metrics = [5, 4, 3, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.5, 0.5];
    for (const m of metrics) {
      opt.step();
      s.step(m);
      lrs.push(s.getLastLr()[0]!);
    }
    // Warmup 0.01 -> 0.1 over 5 epochs, then the base lr, halved after 3 bad epochs, twice.
    expect(lrs.slice(0, 5).map((v) => +v.toFixed(10))).toEqual([0.01, 0.028, 0.046, 0.064, 0.082]);
    expect(lrs[5]).toBe(0.1);
    expect(lrs.slice(5, 8)).toEqual([0.1, 0.1, 0.1]);
    expect(lrs[8]).toBe(0.05);
    expect(lrs[11]).toBe(0.025);
    expect(() => s.step()).toThrow(/needs the monitored metric/);
    // Round trip mid-plateau.
    const state = s.stateDict();
    const opt2 = sgd();
    const s2 = new L.SequentialLR(opt2, { schedulers: [new L.LinearLR(opt2, { startFactor: 0.1, totalIters: 5 }), new L.ReduceLROnPlateau(opt2, { patience: 2, factor: 0.5 })], milestones: [5] });
    opt2.paramGroups.forEach((g, i) => Object.assign(g, opt.paramGroups[i]));
    s2.loadStateDict(state);
    for (const m of [0.5, 0.5, 0.5]) (opt.step(), s.step(m), opt2.step(), s2.step(m));
    expect(s2.getLastLr()).toEqual(s.getLastLr());
    expect(s.getLastLr()[0]).toBe(0.0125);
  });

  it('checks its arguments', () => {
    const opt = sgd();
    const a = new L.ExponentialLR(opt, { gamma: 0.9 });
    expect(() => new L.SequentialLR(opt, { schedulers: [a, a], milestones: [] })).toThrow(/one more scheduler than milestones/);
    expect(() => new L.SequentialLR(sgd(), { schedulers: [a], milestones: [] })).toThrow(/same optimizer/);
  });
});
