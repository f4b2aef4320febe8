/**
 * Bad input to a scheduler. The message names the parameter and its value.
 * Same shape as `@descent/core`'s InvalidArgumentError; this package has no
 * dependencies, so it keeps its own.
 */
export class InvalidArgumentError extends Error {
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
