import { describe, expect, it } from 'vitest';
import { Generator, manualSeed, getDefaultGenerator } from '../src/index.js';

describe('Generator', () => {
  it('is reproducible for a seed and differs across seeds', () => {
    const a = new Generator(42);
    const b = new Generator(42);
    const c = new Generator(43);
    const sa = Array.from({ length: 10 }, () => a.nextUint32());
    const sb = Array.from({ length: 10 }, () => b.nextUint32());
    const sc = Array.from({ length: 10 }, () => c.nextUint32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  it('resumes bit-identically from a saved state, including a pending normal', () => {
    const g = new Generator(7);
    g.normal();
    const state = JSON.parse(JSON.stringify(g.getState()));
    const expected = [g.normal(), g.random(), g.randint(10), g.normal()];
    const h = new Generator(0).setState(state);
    expect([h.normal(), h.random(), h.randint(10), h.normal()]).toEqual(expected);
  });

  it('has sane uniform and normal statistics', () => {
    const g = new Generator(1);
    const n = 200_000;
    let sum = 0;
    let sumN = 0;
    let sumN2 = 0;
    for (let i = 0; i < n; i++) {
      const u = g.random();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
      const z = g.normal();
      sumN += z;
      sumN2 += z * z;
    }
    expect(sum / n).toBeCloseTo(0.5, 2);
    expect(sumN / n).toBeCloseTo(0, 2);
    expect(sumN2 / n).toBeCloseTo(1, 1);
  });

  it('randint is unbiased enough and in range', () => {
    const g = new Generator(3);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[g.randint(6)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
  });

  it('permutation is a permutation', () => {
    const p = new Generator(5).permutation(1000);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect([...p]).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('manualSeed resets the default generator', () => {
    manualSeed(11);
    const x = getDefaultGenerator().random();
    manualSeed(11);
    expect(getDefaultGenerator().random()).toBe(x);
  });

  it('rejects a bad seed with its value', () => {
    expect(() => new Generator(Number.NaN)).toThrow('Invalid seed: NaN');
    expect(() => new Generator(1).randint(0)).toThrow('Invalid n: 0');
  });
});
