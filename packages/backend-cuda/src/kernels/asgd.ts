// AsgdStep (packages/optim/KERNELS.md) as TensorFlow eager ops.
import { fusedOps } from '@descent/core';
import { effectiveGrad, tfKernel } from './program.js';

export const asgdKernel = tfKernel(fusedOps.AsgdStep, (p, { param, grad, ax }, a) => {
  const g = effectiveGrad(p, param, grad, a);
  const next = param.mul(a.paramScale).sub(g.mul(a.eta));
  // While mu is 1 the average is a copy (tfKernel hands the same handle out twice as two tensors).
  return { param: next, ax: a.average ? ax.add(next.sub(ax).mul(a.mu)) : next };
});
