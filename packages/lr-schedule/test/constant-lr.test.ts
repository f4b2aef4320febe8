import { describe, expect, it } from 'vitest';
import * as L from '../src/index.js';
import { fixtureSuite, makeOptimizer } from './fixture.js';

const sgd = () => makeOptimizer({ kind: 'sgd', defaults: { lr: 0.1, momentum: 0.9 }, groups: [{ lr: 0.1, momentum: 0.9 }, { lr: 0.05, momentum: 0.8 }] });

describe('ConstantLR', () => {
  fixtureSuite('constant-lr');

  it('rejects a factor outside [0, 1]', () => {
    expect(() => new L.ConstantLR(sgd(), { factor: 1.5 })).toThrow(/factor must be between 0 and 1, got 1.5/);
  });
});
