import { describe, expect, it } from 'vitest';
import * as L from '../src/index.js';
import { fixtureSuite, makeOptimizer } from './fixture.js';

const sgd = () => makeOptimizer({ kind: 'sgd', defaults: { lr: 0.1, momentum: 0.9 }, groups: [{ lr: 0.1, momentum: 0.9 }, { lr: 0.05, momentum: 0.8 }] });

describe('CyclicLR', () => {
  fixtureSuite('cyclic-lr');

  it('asks for momentum when cycling it', () => {
    const opt = { paramGroups: [{ lr: 0.1 }] };
    expect(() => new L.CyclicLR(opt, { baseLr: 0.01, maxLr: 0.1 })).toThrow(/optimizer must support momentum/);
    expect(() => new L.CyclicLR(opt, { baseLr: 0.01, maxLr: 0.1, cycleMomentum: false })).not.toThrow();
  });
  it('names a bad mode', () => {
    expect(() => new L.CyclicLR(sgd(), { baseLr: 0.01, maxLr: 0.1, mode: 'sine' as never })).toThrow(/mode must be 'triangular', 'triangular2' or 'exp_range'/);
  });
});
