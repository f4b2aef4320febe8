import { DescentError, type ErrorClass } from '@descent/core';
import { describe, expect, it } from 'vitest';
import * as trainer from '../src/index.js';

describe('errors', () => {
  it("the exported error classes are branded with Symbol.for('descent.<ClassName>')", () => {
    const classes = Object.entries(trainer as Record<string, unknown>).filter((e): e is [string, ErrorClass] => typeof e[1] === 'function' && (e[1] as ErrorClass).prototype instanceof Error);
    expect(classes.map(([k]) => k)).toEqual(expect.arrayContaining(['CheckpointError', 'NonFiniteLossError']));
    for (const [name, cls] of classes) {
      expect(Object.hasOwn(cls.prototype, Symbol.for(`descent.${name}`)), name).toBe(true);
      expect(DescentError.isInstance(cls.prototype), name).toBe(true);
    }
    expect(trainer.NonFiniteLossError.isInstance(new trainer.NonFiniteLossError(3, 0, Number.NaN))).toBe(true);
    expect(trainer.CheckpointError.isInstance(new trainer.NonFiniteLossError(3, 0, Number.NaN))).toBe(false);
  });
});
