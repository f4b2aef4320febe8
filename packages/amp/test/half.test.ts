import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBFloat16, decodeFloat16, encodeBFloat16, encodeFloat16, roundToBFloat16, roundToFloat16 } from '../src/index.js';

interface RoundingCase {
  name: string;
  input: number[];
  float16: number[];
  bfloat16: number[];
}
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'rounding.json'), 'utf8')) as { cases: RoundingCase[] };

const bitsOf = (f: Float32Array) => Array.from(new Uint32Array(f.buffer, f.byteOffset, f.length));
const floatsOf = (bits: number[]) => new Float32Array(Uint32Array.from(bits).buffer);
const hex = (v: number) => `0x${v.toString(16)}`;

function firstMismatch(actual: number[], expected: number[], input: number[]): string | null {
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) return `input ${hex(input[i])}: got ${hex(actual[i])}, torch ${hex(expected[i])}`;
  }
  return null;
}

describe.each(fixture.cases)('$name', (c) => {
  const x = floatsOf(c.input);

  it(`float16 encode is bit-exact with torch (${c.input.length} values)`, () => {
    expect(firstMismatch(Array.from(encodeFloat16(x)), c.float16, c.input)).toBeNull();
  });

  it('bfloat16 encode is bit-exact with torch', () => {
    expect(firstMismatch(Array.from(encodeBFloat16(x)), c.bfloat16, c.input)).toBeNull();
  });

  it('roundToFloat16 on arrays and numbers equals decode(torch bits), bit for bit', () => {
    const expected = bitsOf(decodeFloat16(Uint16Array.from(c.float16)));
    expect(firstMismatch(bitsOf(roundToFloat16(x)), expected, c.input)).toBeNull();
    const scalar = Array.from(x, (v) => roundToFloat16(v));
    // A number cannot carry a NaN payload: compare NaN-ness there, bits elsewhere.
    const expectedValues = decodeFloat16(Uint16Array.from(c.float16));
    scalar.forEach((v, i) => {
      if (Number.isNaN(expectedValues[i])) expect(v).toBeNaN();
      else expect(Object.is(v, expectedValues[i]), `input ${hex(c.input[i])}: ${v} vs ${expectedValues[i]}`).toBe(true);
    });
  });

  it('roundToBFloat16 on arrays and numbers equals decode(torch bits), bit for bit', () => {
    const expected = bitsOf(decodeBFloat16(Uint16Array.from(c.bfloat16)));
    expect(firstMismatch(bitsOf(roundToBFloat16(x)), expected, c.input)).toBeNull();
    const expectedValues = decodeBFloat16(Uint16Array.from(c.bfloat16));
    Array.from(x, (v) => roundToBFloat16(v)).forEach((v, i) => {
      if (Number.isNaN(expectedValues[i])) expect(v).toBeNaN();
      else expect(Object.is(v, expectedValues[i]), `input ${hex(c.input[i])}`).toBe(true);
    });
  });
});

describe('half helpers', () => {
  it('round in place and round-trip encode/decode', () => {
    const x = new Float32Array([1 / 3, -65519, 65520, -0, 2 ** -25, 3 * 2 ** -25, 1e-8]);
    const copy = x.slice();
    expect(roundToFloat16(x, x)).toBe(x);
    expect(Array.from(x)).toEqual([0.333251953125, -65504, Infinity, -0, 0, 2 ** -23, 0]);
    expect(Object.is(x[3], -0)).toBe(true);
    expect(Array.from(decodeFloat16(encodeFloat16(copy)))).toEqual(Array.from(x));
    expect(Array.from(decodeBFloat16(encodeBFloat16(copy)))).toEqual(Array.from(roundToBFloat16(copy)));
  });

  it('a double is rounded through float32 first, as torch does', () => {
    // 1 + 2^-11 + 2^-40 is above the half tie in double but rounds to the tie in float32 first.
    expect(roundToFloat16(1 + 2 ** -11 + 2 ** -40)).toBe(1);
    expect(roundToBFloat16(1 + 2 ** -8 + 2 ** -40)).toBe(1);
  });

  it('names a too-short out array', () => {
    expect(() => roundToFloat16(new Float32Array(4), new Float32Array(2))).toThrow(/out: length 2/);
  });
});
