import { InvalidArgumentError, formatValue } from '@descent/core';

export type Pair = [number, number];

/**
 * torch's `_pair`: a number or a pair of integers, each at least `min`
 * (kernel sizes, strides, dilations: 1; paddings: 0).
 */
export function pair(parameter: string, value: unknown, min = 1): Pair {
  const p = typeof value === 'number' ? [value, value] : value;
  const ok = Array.isArray(p) && p.length === 2 && p.every((v) => Number.isInteger(v) && v >= min);
  if (!ok) {
    throw new InvalidArgumentError(parameter, value, `${parameter} must be an integer >= ${min} or a pair of them, got ${formatValue(value)}`);
  }
  return [p[0], p[1]];
}

/** A positive integer size (features, channels, embeddings). */
export function positiveInt(parameter: string, value: unknown): number {
  if (!(typeof value === 'number' && Number.isInteger(value) && value > 0)) {
    throw new InvalidArgumentError(parameter, value, `${parameter} must be a positive integer, got ${formatValue(value)}`);
  }
  return value;
}

export function boolean(parameter: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidArgumentError(parameter, value, `${parameter} must be a boolean, got ${formatValue(value)}`);
  return value;
}

/** torch's dim wrapping: -1 is the last of `rank` axes. */
export function wrapDim(parameter: string, dim: number, rank: number): number {
  const lo = -Math.max(rank, 1);
  const hi = Math.max(rank, 1) - 1;
  if (!Number.isInteger(dim) || dim < lo || dim > hi) {
    throw new InvalidArgumentError(parameter, dim, `Dimension out of range (expected to be in range of [${lo}, ${hi}], but got ${formatValue(dim)})`);
  }
  return dim < 0 ? dim + Math.max(rank, 1) : dim;
}

export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
