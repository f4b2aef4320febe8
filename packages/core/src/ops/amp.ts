import { declareFusedOp } from '../fused/declaration.js';

/**
 * `unscaled = grad * invScale` and `nonFinite = 1` if any element of `grad` is
 * ±Inf or NaN, else 0 (a `[]` float32): torch's
 * `_amp_foreach_non_finite_check_and_unscale_`, one tensor at a time.
 */
export const AmpUnscale = declareFusedOp({
  name: 'AmpUnscale',
  inputs: ['grad'],
  outputs: ['unscaled', 'nonFinite'],
  attrs: { invScale: 'f32' },
});

/** Rounds float32 values to the float16 grid, or the bfloat16 grid with `bfloat16`; values stay float32. */
export const AmpRoundHalf = declareFusedOp({
  name: 'AmpRoundHalf',
  inputs: ['x'],
  outputs: ['y'],
  attrs: { bfloat16: 'bool' },
});
