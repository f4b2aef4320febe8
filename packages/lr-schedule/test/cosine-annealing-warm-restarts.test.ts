import { describe, expect, it } from 'vitest';
import * as L from '../src/index.js';
import { fixtureSuite, makeOptimizer } from './fixture.js';

const sgd = () => makeOptimizer({ kind: 'sgd', defaults: { lr: 0.1, momentum: 0.9 }, groups: [{ lr: 0.1, momentum: 0.9 }, { lr: 0.05, momentum: 0.8 }] });

describe('CosineAnnealingWarmRestarts', () => {
  fixtureSuite('cosine-annealing-warm-restarts');

  it('names bad t0 and tMult', () => {
    expect(() => new L.CosineAnnealingWarmRestarts(sgd(), { t0: 0 })).toThrow(/t0 must be a positive integer, got 0/);
    expect(() => new L.CosineAnnealingWarmRestarts(sgd(), { t0: 2, tMult: 1.5 })).toThrow(/tMult must be an integer >= 1, got 1.5/);
  });
});
