/** Base class of every error Descent throws on purpose. */
export class DescentError extends Error {
  override name = 'DescentError';
}

/**
 * Bad input to a public API. The message names the parameter and the value,
 * worded like torch's (`Invalid learning rate: -0.1`).
 */
export class InvalidArgumentError extends DescentError {
  override name = 'InvalidArgumentError';
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

export function checkFinite(parameter: string, value: number): void {
  check(typeof value === 'number' && Number.isFinite(value), parameter, value);
}

export function checkNonNegative(parameter: string, value: number): void {
  check(typeof value === 'number' && value >= 0, parameter, value);
}

export function checkPositiveInt(parameter: string, value: number): void {
  check(Number.isInteger(value) && value > 0, parameter, value);
}
