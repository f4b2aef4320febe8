import type { Generator } from '@descent/core';
import { check, checkNonNegative } from '@descent/core';
import type { NdArray, NdData, Value } from '../ndarray.js';
import { expectArray, type Transform } from './transform.js';

/** Height, width and channels of an image `[h, w]` or `[h, w, c]`. */
export function imageDims(a: NdArray, transform: string): [number, number, number] {
  check(a.shape.length === 2 || a.shape.length === 3, 'input', a.shape, `${transform} expects an image [h, w] or [h, w, c], got shape ${JSON.stringify(a.shape)}`);
  return [a.shape[0], a.shape[1], a.shape.length === 3 ? a.shape[2] : 1];
}

/**
 * Copies the `outH x outW` window of `src` whose top-left corner is at `(top, left)`
 * (which may lie outside the image); pixels outside are `fill`.
 */
export function window(src: NdArray, h: number, w: number, c: number, top: number, left: number, outH: number, outW: number, fill: number): NdData {
  const out = new (src.data.constructor as new (n: number) => NdData)(outH * outW * c);
  if (fill !== 0) out.fill(fill);
  const data = src.data;
  const y0 = Math.max(0, -top);
  const y1 = Math.min(outH, h - top);
  const x0 = Math.max(0, -left);
  const x1 = Math.min(outW, w - left);
  if (x1 <= x0) return out;
  for (let y = y0; y < y1; y++) {
    const from = ((top + y) * w + left + x0) * c;
    out.set(data.subarray(from, from + (x1 - x0) * c), (y * outW + x0) * c);
  }
  return out;
}

/** Options of {@link randomCrop}. */
export interface RandomCropOptions {
  /** Pixels of `fill` added on every side before cropping (torchvision's `padding`). */
  padding?: number;
  fill?: number;
}

/**
 * A random `size` window of the (padded) image, like torchvision's
 * `RandomCrop(size, padding)`; the position comes from the loader's seeded generator.
 */
export function randomCrop(size: number | readonly [number, number], options: RandomCropOptions = {}): Transform {
  const [outH, outW] = typeof size === 'number' ? [size, size] : size;
  check(Number.isInteger(outH) && outH > 0 && Number.isInteger(outW) && outW > 0, 'size', size);
  const padding = options.padding ?? 0;
  checkNonNegative('padding', padding);
  check(Number.isInteger(padding), 'padding', padding);
  const fill = options.fill ?? 0;
  return {
    name: 'randomCrop',
    apply: (x: Value, rng: Generator) => {
      const a = expectArray(x, 'randomCrop');
      const [h, w, c] = imageDims(a, 'randomCrop');
      const ph = h + 2 * padding;
      const pw = w + 2 * padding;
      check(outH <= ph && outW <= pw, 'size', size, `randomCrop size ${JSON.stringify(size)} is larger than the padded image ${ph}x${pw}`);
      const top = rng.randint(ph - outH + 1) - padding;
      const left = rng.randint(pw - outW + 1) - padding;
      const shape = a.shape.length === 3 ? [outH, outW, c] : [outH, outW];
      return { data: window(a, h, w, c, top, left, outH, outW, fill), shape };
    },
  };
}
