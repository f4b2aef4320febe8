import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import * as L from '../src/index.js';

type Lr = typeof import('../src/index.js');
const sgd = (): L.OptimizerLike => ({ paramGroups: [{ lr: 0.1 }], defaults: { lr: 0.1 } });

describe('error identity', () => {
  it("brands the classes with @descent/core's Symbol.for names", () => {
    const e = new L.InvalidArgumentError('gamma', -1) as unknown as Record<symbol, unknown>;
    expect(e[Symbol.for('descent.InvalidArgumentError')]).toBe(true);
    expect(e[Symbol.for('descent.DescentError')]).toBe(true);
    expect(e).toBeInstanceOf(Error);
    expect((e as unknown as Error).name).toBe('InvalidArgumentError');
  });

  it('a scheduler rejecting its input throws a DescentError InvalidArgumentError', () => {
    let caught: unknown;
    try {
      new L.StepLR(sgd(), { stepSize: 0 });
    } catch (e) {
      caught = e;
    }
    expect(L.InvalidArgumentError.isInstance(caught)).toBe(true);
    expect(L.DescentError.isInstance(caught)).toBe(true);
    expect(caught instanceof L.InvalidArgumentError && caught.parameter).toBe('stepSize');
    expect(L.InvalidArgumentError.isInstance(new L.DescentError('x'))).toBe(false);
    expect(L.DescentError.isInstance(new Error('Invalid stepSize: 0'))).toBe(false);
  });

  it("recognizes a class branded alike elsewhere (@descent/core's) and is recognized by it", () => {
    // A stand-in for core's classes: another hierarchy with the same prototype brands.
    class CoreDescentError extends Error {}
    Object.defineProperty(CoreDescentError.prototype, Symbol.for('descent.DescentError'), { value: true });
    class CoreInvalidArgumentError extends CoreDescentError {}
    Object.defineProperty(CoreInvalidArgumentError.prototype, Symbol.for('descent.InvalidArgumentError'), { value: true });
    expect(new CoreInvalidArgumentError() instanceof L.InvalidArgumentError).toBe(true);
    expect(L.InvalidArgumentError.isInstance(new CoreInvalidArgumentError())).toBe(true);
    expect(new CoreDescentError() instanceof L.InvalidArgumentError).toBe(false);
    expect(new CoreDescentError() instanceof L.DescentError).toBe(true);
  });

  it("the package's ESM and CJS builds, and the plot-png entry's own CJS copy, recognize each other's errors", async () => {
    const dist = new URL('../dist/', import.meta.url);
    if (!existsSync(new URL('index.cjs', dist))) throw new Error('packages/lr-schedule/dist is missing: build @descent/lr-schedule first (npm test does)');
    const esm = (await import(/* @vite-ignore */ new URL('index.js', dist).href)) as Lr;
    const require = createRequire(import.meta.url);
    const cjs = require(new URL('index.cjs', dist).pathname) as Lr;
    expect(cjs.InvalidArgumentError).not.toBe(esm.InvalidArgumentError);
    const fromCjs = (() => {
      try {
        new cjs.ExponentialLR(sgd(), { gamma: Number.NaN });
      } catch (e) {
        return e;
      }
    })();
    expect(fromCjs instanceof esm.InvalidArgumentError).toBe(true);
    expect(esm.InvalidArgumentError.isInstance(fromCjs)).toBe(true);
    expect(fromCjs instanceof L.InvalidArgumentError).toBe(true);
    expect(() => new esm.StepLR(sgd(), { stepSize: -1 })).toThrow(cjs.InvalidArgumentError);
    expect(new esm.DescentError('x') instanceof cjs.InvalidArgumentError).toBe(false);
    expect(new esm.DescentError('x') instanceof cjs.DescentError).toBe(true);
    // tsup does not split CJS: plot-png.cjs bundles a second copy of the classes.
    const png = require(new URL('plot-png.cjs', dist).pathname) as typeof import('../src/plot-png.js');
    await expect(png.plotSchedulePng([[]])).rejects.toThrow(cjs.InvalidArgumentError);
  });
});
