import type { Generator } from '@descent/core';
import { check } from '@descent/core';
import type { Value } from '../ndarray.js';
import { imageDims, window } from './random-crop.js';
import { expectArray, type Transform } from './transform.js';

/**
 * Moves the image by a random whole number of pixels in `[-maxShift, maxShift]`
 * on each axis, filling the uncovered border with `fill` (torchvision's
 * `RandomAffine(0, translate=...)` without interpolation). Seeded by the loader.
 */
export function randomShift(maxShift: number, options: { fill?: number } = {}): Transform {
  check(Number.isInteger(maxShift) && maxShift >= 0, 'maxShift', maxShift);
  const fill = options.fill ?? 0;
  return {
    name: 'randomShift',
    apply: (x: Value, rng: Generator) => {
      const a = expectArray(x, 'randomShift');
      const [h, w, c] = imageDims(a, 'randomShift');
      const dy = rng.randint(2 * maxShift + 1) - maxShift;
      const dx = rng.randint(2 * maxShift + 1) - maxShift;
      // Shifting the content by (dy, dx) is reading the window at (-dy, -dx).
      return { data: window(a, h, w, c, -dy, -dx, h, w, fill), shape: a.shape };
    },
  };
}
