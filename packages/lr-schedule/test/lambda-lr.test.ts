import { describe, expect, it } from 'vitest';
import * as L from '../src/index.js';
import { fixtureSuite, makeOptimizer } from './fixture.js';

const sgd = () => makeOptimizer({ kind: 'sgd', defaults: { lr: 0.1, momentum: 0.9 }, groups: [{ lr: 0.1, momentum: 0.9 }, { lr: 0.05, momentum: 0.8 }] });

describe('LambdaLR', () => {
  fixtureSuite('lambda-lr');

  it('needs one lambda per group when given a list', () => {
    expect(() => new L.LambdaLR(sgd(), { lrLambda: [(e) => e] })).toThrow(/Expected 2 lrLambda functions/);
    expect(() => new L.LambdaLR(sgd(), { lrLambda: 3 as never })).toThrow(/lrLambda must be a function/);
  });
});
