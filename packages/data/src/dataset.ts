import { check, Generator } from '@descent/core';

/** A map-style dataset, like `torch.utils.data.Dataset`: `length` samples, read by index. */
export interface Dataset<T> {
  /** The number of samples (torch's `__len__`). */
  readonly length: number;
  /** The sample at `index`, 0 ≤ index < length (torch's `__getitem__`). */
  get(index: number): T;
}

/** The samples of `dataset` at `indices`, like `torch.utils.data.Subset`. */
export class Subset<T> implements Dataset<T> {
  readonly indices: Uint32Array;
  constructor(
    readonly dataset: Dataset<T>,
    indices: ArrayLike<number>,
  ) {
    this.indices = Uint32Array.from(indices);
    for (let i = 0; i < this.indices.length; i++) {
      const j = this.indices[i];
      check(j < dataset.length && j === indices[i], `indices[${i}]`, indices[i], `Invalid indices[${i}]: ${indices[i]} (dataset has ${dataset.length} samples)`);
    }
  }
  get length(): number {
    return this.indices.length;
  }
  get(index: number): T {
    checkIndex(index, this.length);
    return this.dataset.get(this.indices[index]);
  }
}

/** Splits a dataset into non-overlapping random subsets of the given lengths, like `torch.utils.data.random_split`. */
export function randomSplit<T>(dataset: Dataset<T>, lengths: readonly number[], options: { seed?: number; generator?: Generator } = {}): Subset<T>[] {
  const total = lengths.reduce((a, b) => a + b, 0);
  check(lengths.every((n) => Number.isInteger(n) && n >= 0) && total === dataset.length, 'lengths', lengths, `Invalid lengths: ${JSON.stringify(lengths)} (they must be whole numbers that sum to the dataset's ${dataset.length} samples)`);
  const order = (options.generator ?? new Generator(options.seed ?? 0)).permutation(dataset.length);
  let at = 0;
  return lengths.map((n) => new Subset(dataset, order.subarray(at, (at += n))));
}

export function checkIndex(index: number, length: number): void {
  check(Number.isInteger(index) && index >= 0 && index < length, 'index', index, `Invalid index: ${index} (dataset has ${length} samples)`);
}
