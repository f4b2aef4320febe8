import { describe, expect, it } from 'vitest';
import { Generator, InvalidArgumentError } from '@descent/core';
import { compose, flatten, normalize, oneHot, randomCrop, randomShift, reshape, stack, toFloat, type NdArray } from '../src/index.js';

const rng = () => new Generator(0);
const img = (h: number, w: number, c?: number): NdArray => {
  const shape = c ? [h, w, c] : [h, w];
  const n = h * w * (c ?? 1);
  return { data: Uint8Array.from({ length: n }, (_, i) => i + 1), shape };
};
const arr = (x: unknown) => Array.from((x as NdArray).data);

describe('transforms', () => {
  it('toFloat scales integer pixels to [0, 1] and leaves floats alone', () => {
    const out = toFloat().apply({ data: Uint8Array.of(0, 51, 255), shape: [3] }, rng()) as NdArray;
    expect(out.data).toBeInstanceOf(Float32Array);
    expect(arr(out)).toEqual([0, Math.fround(0.2), 1]);
    const f = { data: Float32Array.of(3), shape: [1] };
    expect(toFloat().apply(f, rng())).toBe(f);
  });

  it('normalize matches (x - mean) / std, per channel on the last axis', () => {
    const out = normalize(0.1307, 0.3081).apply({ data: Float32Array.of(0, 1), shape: [2] }, rng()) as NdArray;
    expect(out.data[0]).toBeCloseTo(-0.1307 / 0.3081, 6);
    expect(out.data[1]).toBeCloseTo((1 - 0.1307) / 0.3081, 6);
    const rgb = normalize([1, 2, 3], [1, 2, 4]).apply({ data: Float32Array.of(1, 2, 3, 3, 6, 11), shape: [2, 3] }, rng());
    expect(arr(rgb)).toEqual([0, 0, 0, 2, 2, 2]);
    expect(() => normalize([1, 2], [1, 1]).apply({ data: new Float32Array(3), shape: [3] }, rng())).toThrow(/2 channels but the input's last axis is 3/);
    expect(() => normalize(0, 0)).toThrow('Invalid std: 0');
    expect(() => normalize(0, -1)).toThrow('Invalid std: -1');
  });

  it('batched transforms give exactly what per-sample transforms give', () => {
    const t = compose([toFloat(), normalize(0.1307, 0.3081), flatten()]);
    const samples = [img(4, 4), img(4, 4)];
    const per = stack(samples.map((s) => t.apply(s, rng())));
    const batched = t.applyBatch!(stack(samples));
    expect(batched.shape).toEqual([2, 16]);
    expect(per.shape).toEqual([2, 16]);
    expect(arr(batched)).toEqual(arr(per));
  });

  it('flatten and reshape change the shape without copying', () => {
    const a = img(2, 3);
    const f = flatten().apply(a, rng()) as NdArray;
    expect(f.shape).toEqual([6]);
    expect(f.data).toBe(a.data);
    expect((reshape([3, 2, 1]).apply(a, rng()) as NdArray).shape).toEqual([3, 2, 1]);
    expect(reshape([28, 28, 1]).applyBatch!({ data: new Uint8Array(2 * 784), shape: [2, 784] }).shape).toEqual([2, 28, 28, 1]);
    expect(() => reshape([4]).apply(a, rng())).toThrow("reshape: shape '[4]' is invalid for input of size 6 (a sample of shape [2, 3])");
    expect(() => reshape([4]).apply(a, rng())).toThrow(InvalidArgumentError);
    expect(() => reshape([5]).applyBatch!({ data: new Uint8Array(12), shape: [2, 6] })).toThrow("shape '[5]' is invalid for input of size 6 (a sample of shape [6])");
    expect(() => flatten().apply(3, rng())).toThrow(/flatten expects an array sample/);
  });

  it('oneHot encodes labels and rejects out-of-range ones', () => {
    expect(arr(oneHot(4).apply(2, rng()))).toEqual([0, 0, 1, 0]);
    const b = oneHot(3).applyBatch!({ data: Int32Array.of(2, 0), shape: [2] });
    expect(b.shape).toEqual([2, 3]);
    expect(arr(b)).toEqual([0, 0, 1, 1, 0, 0]);
    expect(() => oneHot(10).apply(10, rng())).toThrow('Invalid label: 10 (oneHot has 10 classes)');
    expect(() => oneHot(0)).toThrow('Invalid numClasses: 0');
  });

  it('randomCrop with padding covers every offset, keeps pixels and fills the border', () => {
    const a = img(3, 3);
    const t = randomCrop(3, { padding: 1 });
    const g = new Generator(5);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const out = t.apply(a, g) as NdArray;
      expect(out.shape).toEqual([3, 3]);
      expect(out.data).toBeInstanceOf(Uint8Array);
      seen.add(arr(out).join(','));
    }
    // 3x3 offsets of a 5x5 padded image.
    expect(seen.size).toBe(9);
    expect(seen.has('1,2,3,4,5,6,7,8,9')).toBe(true);
    expect(seen.has('0,0,0,0,1,2,0,4,5')).toBe(true);
    expect(seen.has('5,6,0,8,9,0,0,0,0')).toBe(true);
    expect(() => randomCrop(6, { padding: 1 }).apply(a, g)).toThrow(/larger than the padded image 5x5/);
    expect(() => randomCrop(3).apply({ data: new Uint8Array(3), shape: [3] }, g)).toThrow(/expects an image \[h, w\] or \[h, w, c\]/);
  });

  it('randomShift moves whole pixels with channels, and is seeded', () => {
    const a = img(2, 2, 2);
    const t = randomShift(1);
    const seen = new Set<string>();
    const g = new Generator(1);
    for (let i = 0; i < 200; i++) seen.add(arr(t.apply(a, g)).join(','));
    expect(seen.size).toBe(9);
    // Shifted right by one: column 0 is filled, column 1 holds the old column 0.
    expect(seen.has('0,0,1,2,0,0,5,6')).toBe(true);
    const once = (seed: number) => arr(randomShift(2).apply(img(5, 5), new Generator(seed)));
    expect(once(3)).toEqual(once(3));
    expect(randomShift(0).apply(a, g)).toEqual({ data: a.data, shape: a.shape });
  });

  it('stack rejects mixed shapes and types, naming the item', () => {
    expect(() => stack([img(2, 2), img(2, 3)])).toThrow('Cannot stack batch item 1 of shape [2,3] with item 0 of shape [2,2]');
    expect(() => stack([1, img(2, 2)])).toThrow(/mixes numbers and arrays/);
    expect(stack([1, 2.5]).data).toBeInstanceOf(Float32Array);
    expect(stack([1, 2]).data).toBeInstanceOf(Int32Array);
  });
});
