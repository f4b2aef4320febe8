import { check } from '@descent/core';
import type { NdArray, Value } from '../ndarray.js';
import type { Transform } from './transform.js';

/**
 * `(x - mean) / std`, per channel when `mean` and `std` are lists (channels are
 * the last axis, as tfjs lays images out). MNIST's usual values are
 * `normalize(0.1307, 0.3081)`.
 */
export function normalize(mean: number | readonly number[], std: number | readonly number[]): Transform {
  const means = typeof mean === 'number' ? [mean] : [...mean];
  const stds = typeof std === 'number' ? [std] : [...std];
  check(means.length > 0 && means.every(Number.isFinite), 'mean', mean);
  check(stds.length > 0 && stds.every((s) => Number.isFinite(s) && s > 0), 'std', std, `Invalid std: ${JSON.stringify(std)} (every value must be positive)`);
  check(means.length === stds.length || means.length === 1 || stds.length === 1, 'std', std, `mean has ${means.length} channels and std ${stds.length}`);
  const channels = Math.max(means.length, stds.length);
  const m = Float32Array.from({ length: channels }, (_, c) => means[means.length === 1 ? 0 : c]);
  const inv = Float32Array.from({ length: channels }, (_, c) => 1 / stds[stds.length === 1 ? 0 : c]);

  const run = (x: NdArray): NdArray => {
    const src = x.data;
    const out = new Float32Array(src.length);
    if (channels === 1) {
      const m0 = m[0];
      const i0 = inv[0];
      for (let i = 0; i < src.length; i++) out[i] = (src[i] - m0) * i0;
    } else {
      const last = x.shape[x.shape.length - 1];
      check(last === channels, 'input', x.shape, `normalize has ${channels} channels but the input's last axis is ${last} (shape ${JSON.stringify(x.shape)})`);
      for (let i = 0; i < src.length; i++) {
        const c = i % channels;
        out[i] = (src[i] - m[c]) * inv[c];
      }
    }
    return { data: out, shape: x.shape };
  };
  return {
    name: 'normalize',
    apply: (x: Value) => (typeof x === 'number' ? (x - m[0]) * inv[0] : run(x)),
    applyBatch: run,
    affine: { scale: Array.from(inv), shift: Array.from({ length: channels }, (_, c) => -m[c] * inv[c]) },
  };
}
