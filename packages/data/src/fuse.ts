import { check } from '@descent/core';
import { isNdArray, type NdArray, type Value } from './ndarray.js';
import type { Transform } from './transforms/transform.js';

/** One per-channel `x * scale + shift`, composed from a run of affine transforms. */
export interface FusedAffine {
  scale: Float64Array;
  shift: Float64Array;
  /** How many leading transforms it replaces. */
  count: number;
}

/**
 * Composes the leading affine transforms of `transforms` for input of the given
 * kind. `(x * s1 + b1) * s2 + b2` is `x * (s1 s2) + (b1 s2 + b2)`, so the result
 * is one rounding to float32 instead of one per transform.
 */
export function fuseAffine(transforms: readonly Transform[], integerInput: boolean): FusedAffine | undefined {
  let count = 0;
  let channels = 1;
  for (const t of transforms) {
    if (!t.affine) break;
    channels = Math.max(channels, t.affine.scale.length, t.affine.shift.length);
    count++;
  }
  if (count === 0) return undefined;
  const scale = new Float64Array(channels).fill(1);
  const shift = new Float64Array(channels);
  let applied = 0;
  for (let k = 0; k < count; k++) {
    const a = transforms[k].affine!;
    if (a.integerInputOnly && !(integerInput && applied === 0)) continue;
    for (let c = 0; c < channels; c++) {
      const s = a.scale[a.scale.length === 1 ? 0 : c];
      const b = a.shift[a.shift.length === 1 ? 0 : c];
      scale[c] *= s;
      shift[c] = shift[c] * s + b;
    }
    applied++;
  }
  // Float input through `toFloat` alone: nothing to do, and nothing to convert.
  if (applied === 0) return integerInput ? undefined : { scale, shift, count };
  return { scale, shift, count };
}

/**
 * Stacks samples of one shape into a float32 batch and applies `f` in the same
 * pass. Byte input with one channel goes through a 256-entry table.
 */
export function stackAffine(values: readonly Value[], f: FusedAffine): NdArray {
  const first = values[0];
  check(isNdArray(first), 'batch item 0', first, 'Affine transforms (toFloat, normalize) expect array samples ({ data, shape })');
  const size = first.data.length;
  const channels = f.scale.length;
  const last = first.shape[first.shape.length - 1];
  check(channels === 1 || last === channels, 'input', first.shape, `normalize has ${channels} channels but the input's last axis is ${last} (shape ${JSON.stringify(first.shape)})`);
  const out = new Float32Array(values.length * size);
  const lut = channels === 1 && first.data instanceof Uint8Array ? Float32Array.from({ length: 256 }, (_, v) => v * f.scale[0] + f.shift[0]) : undefined;
  const s0 = f.scale[0];
  const b0 = f.shift[0];
  for (let n = 0; n < values.length; n++) {
    const v = values[n] as NdArray;
    check(
      isNdArray(v) && v.data.length === size && v.shape.length === first.shape.length && v.shape.every((d, i) => d === first.shape[i]),
      `batch item ${n}`,
      isNdArray(v) ? v.shape : v,
      `Cannot stack batch item ${n} of shape ${isNdArray(v) ? JSON.stringify(v.shape) : typeof v} with item 0 of shape ${JSON.stringify(first.shape)}`,
    );
    const src = v.data;
    const off = n * size;
    if (lut && src instanceof Uint8Array) {
      for (let i = 0; i < size; i++) out[off + i] = lut[src[i]];
    } else if (channels === 1) {
      for (let i = 0; i < size; i++) out[off + i] = src[i] * s0 + b0;
    } else {
      for (let i = 0; i < size; i++) {
        const c = i % channels;
        out[off + i] = src[i] * f.scale[c] + f.shift[c];
      }
    }
  }
  return { data: out, shape: [values.length, ...first.shape] };
}
