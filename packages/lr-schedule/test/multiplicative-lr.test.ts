import { describe, expect, it } from 'vitest';
import * as L from '../src/index.js';
import { fixtureSuite, makeOptimizer } from './fixture.js';

const sgd = () => makeOptimizer({ kind: 'sgd', defaults: { lr: 0.1, momentum: 0.9 }, groups: [{ lr: 0.1, momentum: 0.9 }, { lr: 0.05, momentum: 0.8 }] });

describe('MultiplicativeLR', () => {
  fixtureSuite('multiplicative-lr');

  it('keeps the value at epoch 0', () => {
    const s = new L.MultiplicativeLR(sgd(), { lrLambda: () => 0.5 });
    expect(s.getLastLr()).toEqual([0.1, 0.05]);
  });
});
