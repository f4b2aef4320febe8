import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { brandErrorClass, check, DescentError, errorBrand, InvalidArgumentError } from '../src/errors.js';

type Errors = typeof import('../src/errors.js');

describe('errors', () => {
  it('names the parameter and the value like torch', () => {
    const e = new InvalidArgumentError('learning rate', -0.1);
    expect(e.message).toBe('Invalid learning rate: -0.1');
    expect(e).toBeInstanceOf(DescentError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('InvalidArgumentError');
    expect(e.parameter).toBe('learning rate');
    expect(e.value).toBe(-0.1);
  });

  it('check throws with custom wording', () => {
    expect(() => check(false, 'beta parameter at index 1', 1.5)).toThrow('Invalid beta parameter at index 1: 1.5');
    expect(() => check(false, 'mode', 'up', 'mode "up" is unknown')).toThrow('mode "up" is unknown');
    expect(() => check(true, 'x', 1)).not.toThrow();
  });

  it('formats arrays and strings', () => {
    expect(new InvalidArgumentError('milestones', [3, 1]).message).toBe('Invalid milestones: [3, 1]');
    expect(new InvalidArgumentError('mode', 'up').message).toBe('Invalid mode: "up"');
  });
});

describe('error identity', () => {
  it("brands each class with Symbol.for('descent.<ClassName>'), inherited by subclasses", () => {
    expect(errorBrand('InvalidArgumentError')).toBe(Symbol.for('descent.InvalidArgumentError'));
    const e = new InvalidArgumentError('lr', -1) as unknown as Record<symbol, unknown>;
    expect(e[Symbol.for('descent.InvalidArgumentError')]).toBe(true);
    expect(e[Symbol.for('descent.DescentError')]).toBe(true);
    const plain = new DescentError('x') as unknown as Record<symbol, unknown>;
    expect(plain[Symbol.for('descent.DescentError')]).toBe(true);
    expect(plain[Symbol.for('descent.InvalidArgumentError')]).toBeUndefined();
  });

  it('isInstance and instanceof tell the classes apart and reject what is not theirs', () => {
    const invalid = new InvalidArgumentError('lr', -1);
    const base = new DescentError('x');
    expect(InvalidArgumentError.isInstance(invalid)).toBe(true);
    expect(DescentError.isInstance(invalid)).toBe(true);
    expect(InvalidArgumentError.isInstance(base)).toBe(false);
    expect(base instanceof InvalidArgumentError).toBe(false);
    for (const other of [new Error('Invalid lr: -1'), new TypeError('x'), { name: 'InvalidArgumentError', parameter: 'lr' }, 'InvalidArgumentError', null, undefined, 3]) {
      expect(InvalidArgumentError.isInstance(other)).toBe(false);
      expect(DescentError.isInstance(other)).toBe(false);
      expect(other instanceof DescentError).toBe(false);
    }
  });

  it('isInstance narrows the type', () => {
    const caught: unknown = new InvalidArgumentError('momentum', -0.5);
    if (!InvalidArgumentError.isInstance(caught)) throw new Error('not recognized');
    // Compiles only because isInstance is a type guard.
    expect(caught.parameter).toBe('momentum');
  });

  it('a class kept by a package that does not depend on core, branded with the same Symbol.for names, is the same class', () => {
    // What @descent/lr-schedule does: its own classes, the brands on their prototypes.
    class OwnDescentError extends Error {}
    Object.defineProperty(OwnDescentError.prototype, Symbol.for('descent.DescentError'), { value: true });
    class OwnInvalidArgumentError extends OwnDescentError {
      constructor(readonly parameter: string) {
        super(`Invalid ${parameter}`);
      }
    }
    Object.defineProperty(OwnInvalidArgumentError.prototype, Symbol.for('descent.InvalidArgumentError'), { value: true });
    const theirs = new OwnInvalidArgumentError('gamma');
    expect(InvalidArgumentError.isInstance(theirs)).toBe(true);
    expect(theirs instanceof InvalidArgumentError).toBe(true);
    expect(theirs instanceof DescentError).toBe(true);
    expect(InvalidArgumentError.isInstance(new OwnDescentError())).toBe(false);
  });

  it('a subclass without its own brand falls back to the ordinary instanceof', () => {
    class AppError extends InvalidArgumentError {}
    const app = new AppError('x', 1);
    expect(app instanceof AppError).toBe(true);
    expect(AppError.isInstance(app)).toBe(true);
    expect(app instanceof InvalidArgumentError).toBe(true);
    expect(new InvalidArgumentError('x', 1) instanceof AppError).toBe(false);
    expect(AppError.isInstance(new InvalidArgumentError('x', 1))).toBe(false);
  });

  it('a subclass branded by brandErrorClass is recognized by its brand', () => {
    class ShapeError extends InvalidArgumentError {
      static {
        brandErrorClass(this, 'test.ShapeError');
      }
    }
    const forged = Object.assign(new Error('x'), { [Symbol.for('descent.test.ShapeError')]: true });
    expect(forged instanceof ShapeError).toBe(true);
    expect(ShapeError.isInstance(new InvalidArgumentError('x', 1))).toBe(false);
  });

  it('another copy of this module (a second bundle of the same source) shares the identity', async () => {
    // @ts-expect-error -- the query makes vite load a second instance of the module; tsc knows no such file.
    const copy = (await import('../src/errors.js?copy')) as Errors;
    expect(copy.InvalidArgumentError).not.toBe(InvalidArgumentError);
    const theirs = new copy.InvalidArgumentError('lr', -1);
    expect(theirs instanceof InvalidArgumentError).toBe(true);
    expect(InvalidArgumentError.isInstance(theirs)).toBe(true);
    expect(new InvalidArgumentError('lr', -1) instanceof copy.InvalidArgumentError).toBe(true);
    expect(new DescentError('x') instanceof copy.InvalidArgumentError).toBe(false);
  });

  it("the package's ESM and CJS builds recognize each other's errors", async () => {
    const dist = new URL('../dist/', import.meta.url);
    if (!existsSync(new URL('index.cjs', dist))) throw new Error('packages/core/dist is missing: build @descent/core first (npm test does)');
    const esm = (await import(/* @vite-ignore */ new URL('index.js', dist).href)) as Errors;
    const cjs = createRequire(import.meta.url)(new URL('index.cjs', dist).pathname) as Errors;
    expect(cjs.InvalidArgumentError).not.toBe(esm.InvalidArgumentError);
    const fromCjs = new cjs.InvalidArgumentError('lr', -1);
    const fromEsm = new esm.InvalidArgumentError('lr', -1);
    expect(fromCjs instanceof esm.InvalidArgumentError).toBe(true);
    expect(fromEsm instanceof cjs.InvalidArgumentError).toBe(true);
    expect(esm.InvalidArgumentError.isInstance(fromCjs)).toBe(true);
    expect(cjs.DescentError.isInstance(fromEsm)).toBe(true);
    expect(fromCjs instanceof InvalidArgumentError).toBe(true);
    expect(new cjs.DescentError('x') instanceof esm.InvalidArgumentError).toBe(false);
    // A check() failure in one build is caught as the other's class.
    expect(() => cjs.check(false, 'lr', -1)).toThrow(esm.InvalidArgumentError);
    expect(() => esm.check(false, 'lr', -1)).toThrow(cjs.InvalidArgumentError);
  });
});
