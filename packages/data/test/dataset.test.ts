import { describe, expect, it } from 'vitest';
import { randomSplit, Subset } from '../src/index.js';
import { ToyDataset } from './setup.js';

describe('Dataset helpers', () => {
  it('Subset reads through its indices and checks them', () => {
    const s = new Subset(new ToyDataset(10), [9, 0]);
    expect(s.length).toBe(2);
    expect(s.get(0)[1]).toBe(9);
    expect(() => s.get(2)).toThrow('Invalid index: 2 (dataset has 2 samples)');
    expect(() => new Subset(new ToyDataset(3), [3])).toThrow('Invalid indices[0]: 3 (dataset has 3 samples)');
    expect(() => new Subset(new ToyDataset(3), [-1])).toThrow(/Invalid indices\[0\]: -1/);
  });

  it('randomSplit partitions reproducibly for a seed', () => {
    const ds = new ToyDataset(10);
    const [a, b] = randomSplit(ds, [7, 3], { seed: 1 });
    const all = [...a.indices, ...b.indices].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect([...randomSplit(ds, [7, 3], { seed: 1 })[1].indices]).toEqual([...b.indices]);
    expect(() => randomSplit(ds, [5, 4])).toThrow(/Invalid lengths: \[5,4\]/);
  });
});
