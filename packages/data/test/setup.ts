import { useBackend } from '@descent/core';
import type { Dataset, NdArray } from '../src/index.js';

export async function cpu(): Promise<void> {
  await useBackend('cpu');
}

/** `n` tiny 2x3 uint8 images whose pixels encode their index, with label `i % 10`; counts reads. */
export class ToyDataset implements Dataset<[NdArray, number]> {
  reads = 0;
  constructor(readonly length: number) {}
  get(i: number): [NdArray, number] {
    this.reads++;
    return [{ data: Uint8Array.from({ length: 6 }, (_, k) => (i * 6 + k) % 256), shape: [2, 3] }, i % 10];
  }
}
