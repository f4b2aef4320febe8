// RpropStep (packages/optim/KERNELS.md) as TensorFlow eager ops.
import { fusedOps } from '@descent/core';
import { tfKernel } from './program.js';

export const rpropKernel = tfKernel(fusedOps.RpropStep, (p, { param, grad, prev, stepSize }, a) => {
  const g = a.maximize ? grad.neg() : grad;
  const s = g.mul(prev);
  const shrink = s.less(0);
  const factor = p.select(s.greater(0), a.etaplus, p.select(shrink, a.etaminus, 1));
  const size = stepSize.mul(factor).max(a.stepSizeMin).min(a.stepSizeMax);
  const held = p.select(shrink, 0, g);
  return { param: param.sub(held.sign().mul(size)), prev: held, stepSize: size };
});
