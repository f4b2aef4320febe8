import { DescentError, InvalidArgumentError, type ErrorClass } from '@descent/core';
import { describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';

describe('errors', () => {
  it("the exported error classes are branded with Symbol.for('descent.<ClassName>')", () => {
    const classes = Object.entries(nn as Record<string, unknown>).filter((e): e is [string, ErrorClass] => typeof e[1] === 'function' && (e[1] as ErrorClass).prototype instanceof Error);
    expect(classes.map(([k]) => k)).toEqual(expect.arrayContaining(['LoadStateDictError', 'SafetensorsError']));
    for (const [name, cls] of classes) expect(Object.hasOwn(cls.prototype, Symbol.for(`descent.${name}`)), name).toBe(true);
    // A LoadStateDictError is an InvalidArgumentError, by brand as well.
    const e = new nn.LoadStateDictError('Linear', ['weight'], [], []);
    expect(InvalidArgumentError.isInstance(e) && DescentError.isInstance(e)).toBe(true);
    expect(nn.LoadStateDictError.isInstance(new InvalidArgumentError('x', 1))).toBe(false);
  });
});
