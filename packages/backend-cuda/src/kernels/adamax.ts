// AdamaxStep (packages/optim/KERNELS.md) as TensorFlow eager ops.
import { fusedOps } from '@descent/core';
import { effectiveGrad, ema, tfKernel } from './program.js';

export const adamaxKernel = tfKernel(fusedOps.AdamaxStep, (p, { param, grad, expAvg, expInf }, a) => {
  const g = effectiveGrad(p, param, grad, a);
  const m = ema(expAvg, a.beta1 as number, g, a.oneMinusBeta1 as number);
  const u = expInf.mul(a.beta2 as number).max(g.abs().add(a.eps as number));
  return { param: param.sub(m.mul(a.clr as number).div(u)), expAvg: m, expInf: u };
});
