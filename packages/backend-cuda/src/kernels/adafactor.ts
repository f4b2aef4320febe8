// AdafactorStep and AdafactorFactoredStep (packages/optim/KERNELS.md) as
// TensorFlow eager ops: the RMS norms and the row and column means are Sum
// reductions on the device, so α and the clipping denominator are never read back.
import { fusedOps, type AttrsOf } from '@descent/core';
import { lerp, tfKernel, type Handle, type TfProgram } from './program.js';

type Attrs = AttrsOf<typeof fusedOps.AdafactorStep>;

function rms(p: TfProgram, x: Handle, shape: readonly number[]): Handle {
  const size = shape.reduce((a, b) => a * b, 1);
  return p.reduceAll('Sum', x.square(), shape.length).sqrt().div(Math.sqrt(size));
}

/** `U = g / √max(V̂, eps1²)` clipped to RMS `d`, and `p·paramScale − α·U / max(1, RMS(U)/d)`. */
function apply(p: TfProgram, param: Handle, g: Handle, varEstimate: Handle, a: Attrs, shape: readonly number[]): Handle {
  const alpha = rms(p, param, shape).max(a.eps2).mul(a.rho);
  const p0 = a.paramScale !== 1 ? param.mul(a.paramScale) : param;
  const u = varEstimate.max(a.eps1Sq).rsqrt().mul(g);
  const denom = rms(p, u, shape).div(a.d).max(1);
  return p0.sub(u.mul(alpha.div(denom)));
}

export const adafactorKernel = tfKernel(fusedOps.AdafactorStep, (p, { param, grad, variance }, a, info) => {
  const g = a.maximize ? grad.neg() : grad;
  const v = lerp(variance, g.mul(g), a.oneMinusBeta2);
  return { param: apply(p, param, g, v, a, info.param.shape), variance: v };
});

export const adafactorFactoredKernel = tfKernel(fusedOps.AdafactorFactoredStep, (p, { param, grad, rowVar, colVar }, a, info) => {
  const shape = info.param.shape;
  const rank = shape.length;
  const g = a.maximize ? grad.neg() : grad;
  const squared = g.square();
  const row = lerp(rowVar, p.sumAxis(squared, rank - 1).div(shape[rank - 1]), a.oneMinusBeta2);
  const col = lerp(colVar, p.sumAxis(squared, rank - 2).div(shape[rank - 2]), a.oneMinusBeta2);
  const rowMean = p.sumAxis(row, rank - 2).div(shape[rank - 2]).max(a.eps1);
  const varEstimate = row.mul(col).div(rowMean);
  return { param: apply(p, param, g, varEstimate, a, shape), rowVar: row, colVar: col };
});
