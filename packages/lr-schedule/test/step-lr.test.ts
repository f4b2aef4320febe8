import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, StepLR } from '../src/index.js';
import { fixtureSuite } from './fixture.js';

describe('StepLR', () => {
  fixtureSuite('step-lr');

  it('names a bad stepSize', () => {
    const opt = { paramGroups: [{ lr: 0.1 }] };
    expect(() => new StepLR(opt, { stepSize: 0 })).toThrow(InvalidArgumentError);
    expect(() => new StepLR(opt, { stepSize: 2.5 })).toThrow(/stepSize must be a positive integer, got 2.5/);
  });
});
