// One identity per error class across copies. Each class is branded with
// `Symbol.for('descent.<ClassName>')` on its prototype; Symbol.for is shared by the
// whole realm, so the ESM and CJS builds of a package, two installed versions, and
// @descent/lr-schedule (no dependencies: it keeps its own classes, branded alike)
// agree on what an InvalidArgumentError is, and `instanceof` tests the brand.

/** Where a branded class keeps its brand: an own static property. */
const BRAND_OF = Symbol.for('descent.brand');
const ordinaryHasInstance = Function.prototype[Symbol.hasInstance];

/** Any error class, abstract or not, whatever its constructor takes. */
export type ErrorClass<T = Error> = abstract new (...args: never[]) => T;

/** The brand of the Descent error class `name`: `Symbol.for('descent.<name>')`. */
export function errorBrand(name: string): symbol {
  return Symbol.for(`descent.${name}`);
}

/**
 * Brands `cls` as the Descent error class `name` (from the class's static block).
 * Every class that extends {@link DescentError} and is exported should be branded:
 * an unbranded subclass falls back to the ordinary, per-copy `instanceof`.
 */
export function brandErrorClass(cls: ErrorClass, name: string): void {
  const brand = errorBrand(name);
  Object.defineProperty(cls, BRAND_OF, { value: brand });
  Object.defineProperty(cls.prototype, brand, { value: true });
}

/** Whether `value` is an instance of `cls`: by brand if `cls` has its own, else by prototype. */
export function hasErrorBrand(cls: ErrorClass<unknown>, value: unknown): boolean {
  if (!Object.hasOwn(cls, BRAND_OF)) return ordinaryHasInstance.call(cls, value);
  const brand = (cls as unknown as Record<symbol, symbol>)[BRAND_OF]!;
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/** Base class of every error Descent throws on purpose. */
export class DescentError extends Error {
  override name = 'DescentError';
  static {
    brandErrorClass(this, 'DescentError');
  }

  /**
   * Whether `value` is an instance of this class, thrown by any copy of any
   * Descent package (`InvalidArgumentError.isInstance(e)`). Narrows `value`.
   */
  static isInstance<T>(this: ErrorClass<T>, value: unknown): value is T {
    return hasErrorBrand(this, value);
  }

  /** `instanceof` goes by the brand too, so it holds across copies. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasErrorBrand(this, value);
  }
}

/**
 * Bad input to a public API. The message names the parameter and the value,
 * worded like torch's (`Invalid learning rate: -0.1`).
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

/** A value as error messages quote it: strings in quotes, arrays and objects as JSON, numbers as they are. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value === undefined || value === null) return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Throws `InvalidArgumentError` unless `ok`. */
export function check(ok: boolean, parameter: string, value: unknown, message?: string): asserts ok {
  if (!ok) throw new InvalidArgumentError(parameter, value, message);
}

/** Throws `InvalidArgumentError` (`Invalid <parameter>: <value>`) unless `value` is a finite number. */
export function checkFinite(parameter: string, value: number): void {
  check(typeof value === 'number' && Number.isFinite(value), parameter, value);
}

/** Throws `InvalidArgumentError` (`Invalid <parameter>: <value>`) unless `value` is a number ≥ 0. */
export function checkNonNegative(parameter: string, value: number): void {
  check(typeof value === 'number' && value >= 0, parameter, value);
}

/** Throws `InvalidArgumentError` (`Invalid <parameter>: <value>`) unless `value` is an integer > 0. */
export function checkPositiveInt(parameter: string, value: number): void {
  check(Number.isInteger(value) && value > 0, parameter, value);
}
