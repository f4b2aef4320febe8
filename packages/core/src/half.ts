import { InvalidArgumentError } from './errors.js';
/**
 * IEEE float16 and bfloat16 rounding of float32 values, bit-exact with torch's
 * `.to(torch.float16)` / `.to(torch.bfloat16)` on the CPU: round to nearest,
 * ties to even; subnormals; overflow to ±Infinity; −0 kept; NaN stays NaN.
 *
 * Numbers are first rounded to float32 (torch's Half and BFloat16 constructors
 * take a float), so a double is never rounded straight to half.
 */

export type HalfDtype = 'float16' | 'bfloat16';

const SIGN = 0x80000000;
// |x| >= 65520 (the tie between 65504 and 65536) rounds to infinity.
const F16_OVERFLOW = 0x477ff000;
// |x| < 2^-14: the result is a half subnormal, a multiple of 2^-24.
const F16_MIN_NORMAL = 0x38800000;
// Adding 1.5 * 2^28 in double puts the units in the last place at 2^-24, so
// (v + M) - M is v rounded to a multiple of 2^-24, ties to even, in one rounding.
const F16_SUBNORMAL_MAGIC = 1.5 * 2 ** 28;
// torch writes NaN as 0x7E00 (sign kept) for half and 0xFFFF for bfloat16 (its AVX path).
const F16_NAN = 0x7e00;
const BF16_NAN = 0xffff;

const scratchF = new Float32Array(1);
const scratchU = new Uint32Array(scratchF.buffer);

/** float32 bits -> float32 bits of the nearest float16. */
function f16RoundBits(x: number, f: number): number {
  const a = x & 0x7fffffff;
  if (a >= F16_MIN_NORMAL) {
    if (a < F16_OVERFLOW) return ((x + 0xfff + ((x >>> 13) & 1)) & 0xffffe000) >>> 0;
    if (a > 0x7f800000) return ((x & SIGN) | 0x7fc00000) >>> 0;
    return ((x & SIGN) | 0x7f800000) >>> 0;
  }
  scratchF[0] = Math.abs(f) + F16_SUBNORMAL_MAGIC - F16_SUBNORMAL_MAGIC;
  return (scratchU[0] | (x & SIGN)) >>> 0;
}

/** float32 bits -> float32 bits of the nearest bfloat16. */
function bf16RoundBits(x: number): number {
  if ((x & 0x7fffffff) > 0x7f800000) return 0xffff0000;
  return ((x + 0x7fff + ((x >>> 16) & 1)) & 0xffff0000) >>> 0;
}

/** Rounds a number to the nearest float16 value (through float32, as torch does). */
export function roundToFloat16(x: number): number;
/** Rounds every element to the nearest float16 value; writes `out` (default: a new array). */
export function roundToFloat16(x: Float32Array, out?: Float32Array): Float32Array;
export function roundToFloat16(x: number | Float32Array, out?: Float32Array): number | Float32Array {
  if (typeof x === 'number') {
    scratchF[0] = x;
    scratchU[0] = f16RoundBits(scratchU[0], scratchF[0]);
    return scratchF[0];
  }
  return roundArray(x, out, 'float16');
}

/** Rounds a number to the nearest bfloat16 value (through float32, as torch does). */
export function roundToBFloat16(x: number): number;
/** Rounds every element to the nearest bfloat16 value; writes `out` (default: a new array). */
export function roundToBFloat16(x: Float32Array, out?: Float32Array): Float32Array;
export function roundToBFloat16(x: number | Float32Array, out?: Float32Array): number | Float32Array {
  if (typeof x === 'number') {
    scratchF[0] = x;
    scratchU[0] = bf16RoundBits(scratchU[0]);
    return scratchF[0];
  }
  return roundArray(x, out, 'bfloat16');
}

/** Rounds `x` to `dtype` into `out` (may be `x` itself). */
export function roundArray(x: Float32Array, out: Float32Array | undefined, dtype: HalfDtype): Float32Array {
  const n = x.length;
  const y = out ?? new Float32Array(n);
  if (y.length < n) throw new InvalidArgumentError('out', y.length, `out: length ${y.length} is shorter than the input's ${n}`);
  // Int32 views keep every value a small integer in V8 (Uint32 values >= 2^31 would be doubles).
  const xi = new Int32Array(x.buffer, x.byteOffset, n);
  const yi = new Int32Array(y.buffer, y.byteOffset, n);
  if (dtype === 'bfloat16') roundBf16Loop(xi, yi, n);
  else roundF16Loop(x, xi, y, yi, n);
  return y;
}

function roundBf16Loop(xi: Int32Array, yi: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const b = xi[i];
    yi[i] = (b & 0x7fffffff) > 0x7f800000 ? -65536 : (b + 0x7fff + ((b >> 16) & 1)) & -65536;
  }
}

function roundF16Loop(x: Float32Array, xi: Int32Array, y: Float32Array, yi: Int32Array, n: number): void {
  // Literal constants: V8 does not fold module-level consts into this loop (20% slower).
  // 0x38800000 = F16_MIN_NORMAL, 0x0efff000 = F16_OVERFLOW - F16_MIN_NORMAL, 402653184 = F16_SUBNORMAL_MAGIC.
  for (let i = 0; i < n; i++) {
    const b = xi[i];
    const a = b & 0x7fffffff;
    // The common case, one unsigned range check: a normal half. Round the low 13
    // mantissa bits away, ties to even, by integer arithmetic on the bits.
    if ((a - 0x38800000) >>> 0 < 0x0efff000) yi[i] = (b + 0xfff + ((b >> 13) & 1)) & -8192;
    else if (a < 0x38800000) {
      // Subnormal half: (|v| + M) - M in double rounds to a multiple of 2^-24; the sign keeps -0.
      const r = Math.abs(x[i]) + 402653184 - 402653184;
      y[i] = b < 0 ? -r : r;
    } else yi[i] = a > 0x7f800000 ? (b & -0x80000000) | 0x7fc00000 : (b & -0x80000000) | 0x7f800000;
  }
}

// ------------------------------------------------------------ encode / decode

/** float32 bits (already a float16 value or not) -> float16 bits, rounding to nearest even. */
function f16Bits(x: number, f: number): number {
  const r = f16RoundBits(x, f);
  const sign = (r >>> 16) & 0x8000;
  const a = r & 0x7fffffff;
  if (a > 0x7f800000) return sign | F16_NAN;
  if (a === 0x7f800000) return sign | 0x7c00;
  if (a >= F16_MIN_NORMAL) return sign | (((a >>> 23) - 112) << 10) | ((a >>> 13) & 0x3ff);
  // A half subnormal: |value| / 2^-24 is an integer 0..1024 (1024 is the smallest normal, 0x0400).
  scratchU[0] = a;
  return sign | (scratchF[0] * 2 ** 24);
}

/** Encodes float32 values as float16 bit patterns (rounding to nearest even), e.g. for compact checkpoints. */
export function encodeFloat16(x: Float32Array | ArrayLike<number>): Uint16Array {
  const src = x instanceof Float32Array ? x : Float32Array.from(x);
  const u = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = f16Bits(u[i], src[i]);
  return out;
}

/** Decodes float16 bit patterns to float32 values (exact). */
export function decodeFloat16(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  const ou = new Uint32Array(out.buffer);
  for (let i = 0; i < h.length; i++) {
    const v = h[i];
    const sign = (v & 0x8000) << 16;
    const e = (v >>> 10) & 0x1f;
    const m = v & 0x3ff;
    if (e === 0) out[i] = (sign ? -m : m) * 2 ** -24;
    else if (e === 0x1f) ou[i] = (sign | 0x7f800000 | (m << 13)) >>> 0;
    else ou[i] = (sign | ((e + 112) << 23) | (m << 13)) >>> 0;
  }
  return out;
}

/** Encodes float32 values as bfloat16 bit patterns (rounding to nearest even). */
export function encodeBFloat16(x: Float32Array | ArrayLike<number>): Uint16Array {
  const src = x instanceof Float32Array ? x : Float32Array.from(x);
  const u = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const b = u[i];
    out[i] = (b & 0x7fffffff) > 0x7f800000 ? BF16_NAN : ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
  }
  return out;
}

/** Decodes bfloat16 bit patterns to float32 values (exact). */
export function decodeBFloat16(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  const ou = new Uint32Array(out.buffer);
  for (let i = 0; i < h.length; i++) ou[i] = h[i] << 16;
  return out;
}
