import { describe, expect, it } from 'vitest';
import * as L from '../src/index.js';
import { fixtureSuite, makeOptimizer } from './fixture.js';

const sgd = () => makeOptimizer({ kind: 'sgd', defaults: { lr: 0.1, momentum: 0.9 }, groups: [{ lr: 0.1, momentum: 0.9 }, { lr: 0.05, momentum: 0.8 }] });

describe('PolynomialLR', () => {
  fixtureSuite('polynomial-lr');

  it('stays at 0 after totalIters', () => {
    const opt = sgd();
    const s = new L.PolynomialLR(opt, { totalIters: 3 });
    for (let i = 0; i < 6; i++) (opt.step(), s.step());
    expect(s.getLastLr()).toEqual([0, 0]);
  });
});
