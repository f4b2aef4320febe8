import { describe, expect, it } from 'vitest';
import * as L from '../src/index.js';
import { fixtureSuite, makeOptimizer } from './fixture.js';

const sgd = () => makeOptimizer({ kind: 'sgd', defaults: { lr: 0.1, momentum: 0.9 }, groups: [{ lr: 0.1, momentum: 0.9 }, { lr: 0.05, momentum: 0.8 }] });

describe('LinearLR', () => {
  fixtureSuite('linear-lr');

  it('rejects startFactor 0 (torch divides by zero there)', () => {
    expect(() => new L.LinearLR(sgd(), { startFactor: 0 })).toThrow(/startFactor must be greater than 0/);
  });
});
