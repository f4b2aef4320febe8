// AmpUnscale (packages/amp/KERNELS.md) as TensorFlow eager ops: one Mul, and the
// finite check as IsFinite -> All -> LogicalNot -> Cast, reduced on the device
// so GradScaler never reads the flag back until it needs it. The check looks at
// the input, as torch does. TensorFlow flushes float32 subnormals to zero in its
// kernels (the CPU's FTZ/DAZ flags, nvcc's ftz=true), the fallback's Mul on this
// backend alike; torch keeps them.
import { fusedOps } from '@descent/core';
import { tfKernel } from './program.js';

export const ampUnscaleKernel = tfKernel(
  fusedOps.AmpUnscale,
  (p, { grad }, a, info) => {
    const allFinite = p.reduceAll('All', grad.isFinite(), info.grad.shape.length);
    const nonFinite = p.cast(p.run('LogicalNot', [allFinite], []), p.binding.TF_FLOAT);
    return { unscaled: grad.mul(a.invScale as number), nonFinite };
  },
  ['nonFinite'],
);
