import { describe, expect, it } from 'vitest';
import * as L from '../src/index.js';
import { fixtureSuite, makeOptimizer } from './fixture.js';

const sgd = () => makeOptimizer({ kind: 'sgd', defaults: { lr: 0.1, momentum: 0.9 }, groups: [{ lr: 0.1, momentum: 0.9 }, { lr: 0.05, momentum: 0.8 }] });

describe('CosineAnnealingLR', () => {
  fixtureSuite('cosine-annealing-lr');

  it('resumes from lastEpoch like torch (closed form on the first step)', () => {
    const opt = sgd();
    opt.paramGroups.forEach((g) => (g.initialLr = g.lr));
    const s = new L.CosineAnnealingLR(opt, { tMax: 10, lastEpoch: 4 });
    const closed = [0.1, 0.05].map((b) => (b * (1 + Math.cos((5 * Math.PI) / 10))) / 2);
    expect(s.getLastLr()[0]).toBeCloseTo(closed[0]!, 15);
    expect(s.lastEpoch).toBe(5);
  });
  it('needs initialLr to resume', () => {
    expect(() => new L.CosineAnnealingLR(sgd(), { tMax: 10, lastEpoch: 4 })).toThrow(/paramGroups\[0\].initialLr is not set/);
  });
});
