import { DescentError, type ErrorClass } from '@descent/core';
import { describe, expect, it } from 'vitest';
import * as mnist from '../src/index.js';

describe('errors', () => {
  it("every exported error class is branded with Symbol.for('descent.<ClassName>') and is a DescentError", () => {
    const classes = Object.entries(mnist as Record<string, unknown>).filter((e): e is [string, ErrorClass] => typeof e[1] === 'function' && (e[1] as ErrorClass).prototype instanceof Error);
    expect(classes.map(([k]) => k)).toEqual(expect.arrayContaining(['ChecksumError', 'DatasetNotFoundError', 'DownloadError', 'IdxFormatError']));
    for (const [name, cls] of classes) {
      expect(Object.hasOwn(cls.prototype, Symbol.for(`descent.${name}`)), name).toBe(true);
      expect(cls.prototype instanceof DescentError, name).toBe(true);
    }
    // Recognized by the brand: an error from another copy of the package is one too.
    const copy = Object.assign(Object.create(DescentError.prototype), { [Symbol.for('descent.ChecksumError')]: true });
    expect(copy instanceof mnist.ChecksumError && mnist.ChecksumError.isInstance(copy)).toBe(true);
    expect(mnist.ChecksumError.isInstance(new mnist.IdxFormatError('x'))).toBe(false);
  });
});
