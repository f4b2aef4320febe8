// AdadeltaStep (packages/optim/KERNELS.md) as TensorFlow eager ops.
import { fusedOps } from '@descent/core';
import { effectiveGrad, emaSq, tfKernel } from './program.js';

export const adadeltaKernel = tfKernel(fusedOps.AdadeltaStep, (p, { param, grad, squareAvg, accDelta }, a) => {
  const g = effectiveGrad(p, param, grad, a);
  const rho = a.rho as number;
  const oneMinusRho = a.oneMinusRho as number;
  const eps = a.eps as number;
  const sq = emaSq(squareAvg, rho, g, oneMinusRho);
  const delta = accDelta.add(eps).sqrt().div(sq.add(eps).sqrt()).mul(g);
  return { param: param.sub(delta.mul(a.lr as number)), squareAvg: sq, accDelta: emaSq(accDelta, rho, delta, oneMinusRho) };
});
