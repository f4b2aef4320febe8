// The same error identity as @descent/core's, without depending on it (this package
// has no dependencies). Each class is branded with `Symbol.for('descent.<ClassName>')`
// on its prototype and `isInstance` / `instanceof` test the brand, so core's
// `InvalidArgumentError.isInstance(e)` recognizes these errors and these classes
// recognize core's, across the ESM and CJS builds and installed copies alike.
// The protocol is core/src/errors.ts's; keep the two in step.

/** Where a branded class keeps its brand: an own static property. */
const BRAND_OF = Symbol.for('descent.brand');
const ordinaryHasInstance = Function.prototype[Symbol.hasInstance];

type ErrorClass<T = Error> = abstract new (...args: never[]) => T;

/**
 * Brands `cls` as the Descent error class `name` (from the class's static block), as
 * core's `brandErrorClass` does: for error classes of packages that stay free of core.
 */
export function brandErrorClass(cls: ErrorClass, name: string): void {
  const symbol = Symbol.for(`descent.${name}`);
  Object.defineProperty(cls, BRAND_OF, { value: symbol });
  Object.defineProperty(cls.prototype, symbol, { value: true });
}

function hasBrand(cls: ErrorClass<unknown>, value: unknown): boolean {
  if (!Object.hasOwn(cls, BRAND_OF)) return ordinaryHasInstance.call(cls, value);
  const symbol = (cls as unknown as Record<symbol, symbol>)[BRAND_OF]!;
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[symbol] === true;
}

/** Base class of every error Descent throws on purpose (`@descent/core`'s DescentError, the same identity). */
export class DescentError extends Error {
  override name = 'DescentError';
  static {
    brandErrorClass(this, 'DescentError');
  }

  /** Whether `value` is an instance of this class, thrown by any copy of any Descent package. Narrows `value`. */
  static isInstance<T>(this: ErrorClass<T>, value: unknown): value is T {
    return hasBrand(this, value);
  }

  /** `instanceof` goes by the brand too, so it holds across copies. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(this, value);
  }
}

/**
 * Bad input to a scheduler. The message names the parameter and its value.
 * `@descent/core`'s InvalidArgumentError, the same identity: either class's
 * `isInstance` and `instanceof` recognize the other's errors.
 */
export class InvalidArgumentError extends DescentError {
  override name = 'InvalidArgumentError';
  static {
    brandErrorClass(this, 'InvalidArgumentError');
  }
  constructor(
    readonly parameter: string,
    readonly value: unknown,
    message?: string,
  ) {
    super(message ?? `Invalid ${parameter}: ${formatValue(value)}`);
  }
}

export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (value === null || typeof value !== 'object') return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

export function check(ok: boolean, parameter: string, value: unknown, message?: string): asserts ok {
  if (!ok) throw new InvalidArgumentError(parameter, value, message);
}

export function checkNumber(parameter: string, value: unknown): asserts value is number {
  check(typeof value === 'number' && !Number.isNaN(value), parameter, value, `${parameter} must be a number, got ${formatValue(value)}`);
}

export function checkPositiveInt(parameter: string, value: unknown): asserts value is number {
  check(Number.isInteger(value) && (value as number) > 0, parameter, value, `${parameter} must be a positive integer, got ${formatValue(value)}`);
}

export function checkNonNegativeInt(parameter: string, value: unknown): asserts value is number {
  check(Number.isInteger(value) && (value as number) >= 0, parameter, value, `${parameter} must be a non-negative integer, got ${formatValue(value)}`);
}

export function checkInRange(parameter: string, value: unknown, lo: number, hi: number): asserts value is number {
  check(
    typeof value === 'number' && value >= lo && value <= hi,
    parameter,
    value,
    `${parameter} must be between ${lo} and ${hi}, got ${formatValue(value)}`,
  );
}
