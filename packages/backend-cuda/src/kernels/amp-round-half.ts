// AmpRoundHalf (packages/amp/KERNELS.md) as TensorFlow eager ops: TensorFlow's
// own Cast to half (or bfloat16) and back, which rounds to nearest even (Eigen
// on the CPU, cvt.rn on CUDA), overflows to ±Inf and keeps half subnormals. The
// conversions treat NaN differently (CUDA writes the canonical 0x7fff), so NaN
// lanes are replaced by the contract's: float16 keeps the sign (s | 0x7fc00000),
// bfloat16 is 0xffff0000 (torch's CPU conversion).
import { fusedOps } from '@descent/core';
import { TF_BFLOAT16, TF_HALF, tfKernel } from './program.js';

const SIGN = -0x80000000; // 0x80000000 as int32
const QNAN = 0x7fc00000;
const BF16_NAN = -0x10000; // 0xffff0000 as int32

export const ampRoundHalfKernel = tfKernel(fusedOps.AmpRoundHalf, (p, { x }, a) => {
  const { TF_FLOAT, TF_INT32 } = p.binding;
  const rounded = p.cast(p.cast(x, a.bfloat16 ? TF_BFLOAT16 : TF_HALF), TF_FLOAT);
  const nan = a.bfloat16
    ? p.bitcast(p.int32([BF16_NAN], []), TF_FLOAT)
    : p.bitcast(p.run('BitwiseOr', [p.run('BitwiseAnd', [p.bitcast(x, TF_INT32), p.int32([SIGN], [])]), p.int32([QNAN], [])]), TF_FLOAT);
  return { y: p.select(x.isNan(), nan, rounded) };
});
