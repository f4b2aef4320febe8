// One error identity across packages: @descent/lr-schedule keeps its own error
// classes (it depends on nothing), branded like @descent/core's. The CLI uses both.
import * as core from '@descent/core';
import * as sched from '@descent/lr-schedule';
import { describe, expect, it } from 'vitest';
import { exitCodeOf, UsageError } from '../src/index.js';
import { StepLosses } from '../src/train/step-losses.js';

const sgd = (): sched.OptimizerLike => ({ paramGroups: [{ lr: 0.1 }], defaults: { lr: 0.1 } });
const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('did not throw');
};

describe("@descent/core's and @descent/lr-schedule's errors are one class", () => {
  it('are separate classes', () => {
    expect(sched.InvalidArgumentError).not.toBe(core.InvalidArgumentError);
  });

  it("core recognizes lr-schedule's errors", () => {
    const e = thrown(() => new sched.StepLR(sgd(), { stepSize: 0 }));
    expect(core.InvalidArgumentError.isInstance(e)).toBe(true);
    expect(e instanceof core.InvalidArgumentError).toBe(true);
    expect(e instanceof core.DescentError).toBe(true);
    expect(core.InvalidArgumentError.isInstance(e) && e.parameter).toBe('stepSize');
  });

  it("lr-schedule recognizes core's errors", () => {
    const e = thrown(() => core.check(false, 'lr', -1));
    expect(sched.InvalidArgumentError.isInstance(e)).toBe(true);
    expect(e instanceof sched.InvalidArgumentError).toBe(true);
    expect(e instanceof sched.DescentError).toBe(true);
    expect(new core.DescentError('x') instanceof sched.InvalidArgumentError).toBe(false);
    expect(sched.InvalidArgumentError.isInstance(new Error('Invalid lr: -1'))).toBe(false);
  });

  it("descent exits with status 2 on either package's InvalidArgumentError", () => {
    expect(exitCodeOf(new core.InvalidArgumentError('lr', -1))).toBe(2);
    expect(exitCodeOf(new sched.InvalidArgumentError('lr', -1))).toBe(2);
    expect(exitCodeOf(new UsageError('bad flag'))).toBe(2);
    expect(exitCodeOf(new core.DescentError('disk full'))).toBe(1);
  });

  it("UsageError is a branded DescentError", () => {
    const e = new UsageError('bad flag');
    expect(Object.hasOwn(UsageError.prototype, Symbol.for('descent.UsageError'))).toBe(true);
    expect(core.DescentError.isInstance(e) && UsageError.isInstance(e)).toBe(true);
    expect(UsageError.isInstance(new core.DescentError('x'))).toBe(false);
  });

  it('StepLosses rejects a saved state without a loss history', () => {
    const e = thrown(() => new StepLosses().loadStateDict({ json: { losses: 'none' } }));
    expect(core.InvalidArgumentError.isInstance(e) && e.message).toBe('StepLosses: callbacks.json holds no loss history');
  });
});
