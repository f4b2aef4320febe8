// SgdStep, SgdMomentumStep (packages/optim/KERNELS.md) as TensorFlow eager ops.
import { fusedOps } from '@descent/core';
import { effectiveGrad, tfKernel } from './program.js';

export const sgdKernel = tfKernel(fusedOps.SgdStep, (p, { param, grad }, a) => ({
  param: param.sub(effectiveGrad(p, param, grad, a).mul(a.lr as number)),
}));

export const sgdMomentumKernel = tfKernel(fusedOps.SgdMomentumStep, (p, { param, grad, momentumBuffer }, a) => {
  const g = effectiveGrad(p, param, grad, a);
  const momentum = a.momentum as number;
  // On a parameter's first step the buffer is a placeholder and is not read.
  const b = a.init ? g : momentumBuffer.mul(momentum).add(g.mul(a.dampeningComplement as number));
  const d = a.nesterov ? g.add(b.mul(momentum)) : b;
  return { param: param.sub(d.mul(a.lr as number)), momentumBuffer: b };
});
