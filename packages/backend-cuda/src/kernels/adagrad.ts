// AdagradStep (packages/optim/KERNELS.md) as TensorFlow eager ops.
import { fusedOps } from '@descent/core';
import { effectiveGrad, tfKernel } from './program.js';

export const adagradKernel = tfKernel(fusedOps.AdagradStep, (p, { param, grad, sum }, a) => {
  const g = effectiveGrad(p, param, grad, a);
  const s = sum.add(g.mul(g));
  return { param: param.sub(g.mul(a.clr as number).div(s.sqrt().add(a.eps as number))), sum: s };
});
