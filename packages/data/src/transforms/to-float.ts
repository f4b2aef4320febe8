import type { NdArray, Value } from '../ndarray.js';
import type { Transform } from './transform.js';

function scale(x: NdArray): NdArray {
  // Float input is already scaled, as torchvision's ToTensor leaves it.
  if (x.data instanceof Float32Array) return x;
  const src = x.data;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i] / 255;
  return { data: out, shape: x.shape };
}

/** Integer pixels 0..255 to float32 in [0, 1], like torchvision's `ToTensor` (without the channel move). */
export function toFloat(): Transform {
  return {
    name: 'toFloat',
    apply: (x: Value) => (typeof x === 'number' ? x / 255 : scale(x)),
    applyBatch: scale,
    affine: { scale: [1 / 255], shift: [0], integerInputOnly: true },
  };
}
