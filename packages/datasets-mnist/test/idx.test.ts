import { describe, expect, it } from 'vitest';
import { encodeIdx, IdxFormatError, parseIdx, type IdxArray } from '../src/node.js';

const cases: IdxArray[] = [
  { dtype: 'uint8', shape: [2, 3], data: Uint8Array.of(0, 1, 2, 253, 254, 255) },
  { dtype: 'int8', shape: [4], data: Int8Array.of(-128, -1, 0, 127) },
  { dtype: 'int16', shape: [2, 2], data: Int16Array.of(-32768, -2, 258, 32767) },
  { dtype: 'int32', shape: [3], data: Int32Array.of(-2147483648, 16909060, 2147483647) },
  { dtype: 'float32', shape: [1, 3], data: Float32Array.of(-1.5, 3.4028234663852886e38, Number.NaN) },
  { dtype: 'float64', shape: [2, 1, 1], data: Float64Array.of(Math.PI, -0) },
];

describe('IDX reader', () => {
  for (const c of cases) {
    it(`round-trips ${c.dtype} with big-endian dims and values`, () => {
      const bytes = encodeIdx(c);
      const parsed = parseIdx(bytes);
      expect(parsed.dtype).toBe(c.dtype);
      expect(parsed.shape).toEqual(c.shape);
      expect(Array.from(parsed.data as ArrayLike<number>)).toEqual(Array.from(c.data as ArrayLike<number>));
      expect(parsed.data.constructor).toBe(c.data.constructor);
    });
  }

  it('reads the documented byte layout', () => {
    // 0x00000C01: int32, one dim; dim 2; values 1 and -2 big-endian.
    const bytes = Uint8Array.of(0, 0, 0x0c, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe);
    expect(parseIdx(bytes)).toEqual({ dtype: 'int32', shape: [2], data: Int32Array.of(1, -2) });
    // Dims above 2^31 are unsigned.
    const big = Uint8Array.of(0, 0, 8, 1, 0x80, 0, 0, 0);
    expect(() => parseIdx(big, 'big')).toThrow('big: truncated: dims [2147483648] of uint8 need 2147483648 data bytes, the file has 0');
  });

  it('views uint8 data without copying, even at an offset into a larger buffer', () => {
    const inner = encodeIdx({ dtype: 'uint8', shape: [3], data: Uint8Array.of(7, 8, 9) });
    const outer = new Uint8Array(inner.length + 5);
    outer.set(inner, 5);
    const parsed = parseIdx(outer.subarray(5));
    expect(Array.from(parsed.data)).toEqual([7, 8, 9]);
    expect(parsed.data.buffer).toBe(outer.buffer);
    const i16 = encodeIdx({ dtype: 'int16', shape: [1], data: Int16Array.of(-3) });
    const odd = new Uint8Array(i16.length + 1);
    odd.set(i16, 1);
    expect(Array.from(parseIdx(odd.subarray(1)).data)).toEqual([-3]);
  });

  it('rejects corrupt input with an error that says what is wrong', () => {
    const good = encodeIdx(cases[0]);
    const err = (bytes: Uint8Array) => {
      try {
        parseIdx(bytes, 'f.idx');
      } catch (e) {
        expect(e).toBeInstanceOf(IdxFormatError);
        return (e as Error).message;
      }
      throw new Error('parsed');
    };
    expect(err(Uint8Array.of(0, 0))).toBe('f.idx: truncated: 2 bytes is too short for an IDX header');
    expect(err(Uint8Array.of(1, 2, 8, 1, 0, 0, 0, 0))).toBe('f.idx: bad IDX magic number 0x01020801 (expected 0x0000TTNN with type TT one of 08, 09, 0b, 0c, 0d, 0e)');
    expect(err(Uint8Array.of(0, 0, 0x0a, 1, 0, 0, 0, 0))).toMatch(/bad IDX magic number 0x00000a01/);
    expect(err(Uint8Array.of(0, 0, 8, 0))).toBe('f.idx: bad IDX magic number 0x00000800: zero dimensions');
    expect(err(Uint8Array.of(0x1f, 0x8b, 8, 0))).toBe('f.idx: is gzip-compressed, not raw IDX; gunzip it first');
    expect(err(good.subarray(0, 9))).toBe('f.idx: truncated: the header of 2 dims needs 12 bytes, the file has 9');
    expect(err(good.subarray(0, good.length - 1))).toBe('f.idx: truncated: dims [2, 3] of uint8 need 6 data bytes, the file has 5');
    const long = new Uint8Array(good.length + 2);
    long.set(good);
    expect(err(long)).toBe('f.idx: 2 unexpected bytes after the 6 data bytes of dims [2, 3] of uint8');
    const f32 = encodeIdx(cases[4]);
    expect(err(f32.subarray(0, f32.length - 2))).toBe('f.idx: truncated: dims [1, 3] of float32 need 12 data bytes, the file has 10');
  });
});
