import { describe, expect, it } from 'vitest';
import * as L from '../src/index.js';
import { build, fixtureSuite, makeOptimizer } from './fixture.js';

describe('ChainedScheduler', () => {
  const cases = fixtureSuite('chained-scheduler');

  for (const c of cases) {
    it(`${c.name}: resumes from lastEpoch with freshly built children`, () => {
      for (const k of [0, c.checkpointAt, c.steps - 2]) {
        const opt = makeOptimizer(c.optimizer);
        // A resumed optimizer: initialLr known, lr somewhere mid-run.
        opt.paramGroups.forEach((g) => ((g.initialLr = g.lr), (g.lr = 123)));
        const children = (c.options.schedulers as { scheduler: string; options: Record<string, unknown> }[]).map((s) => build(s, opt) as L.ChildScheduler);
        const s = new L.ChainedScheduler(children, { lastEpoch: k });
        expect(s.lastEpoch).toBe(k + 1);
        s.getLastLr().forEach((v, g) => expect(v).toBeCloseTo(c.expected.lr[k + 1]![g]!, 12));
        opt.step();
        s.step();
        s.getLastLr().forEach((v, g) => expect(v).toBeCloseTo(c.expected.lr[k + 2]![g]!, 12));
      }
    });
  }

  it('rejects children of different optimizers', () => {
    const mk = () => makeOptimizer(cases[0]!.optimizer);
    expect(() => new L.ChainedScheduler([new L.ExponentialLR(mk(), { gamma: 0.9 }), new L.ExponentialLR(mk(), { gamma: 0.9 })])).toThrow(/same optimizer/);
  });
});
