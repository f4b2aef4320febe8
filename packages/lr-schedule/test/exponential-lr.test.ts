import { describe, expect, it } from 'vitest';
import * as L from '../src/index.js';
import { fixtureSuite, makeOptimizer } from './fixture.js';

const sgd = () => makeOptimizer({ kind: 'sgd', defaults: { lr: 0.1, momentum: 0.9 }, groups: [{ lr: 0.1, momentum: 0.9 }, { lr: 0.05, momentum: 0.8 }] });

describe('ExponentialLR', () => {
  fixtureSuite('exponential-lr');

  it('needs gamma', () => {
    expect(() => new L.ExponentialLR(sgd(), {} as never)).toThrow(/gamma must be a number, got undefined/);
  });
});
