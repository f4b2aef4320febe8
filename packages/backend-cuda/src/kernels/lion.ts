// LionStep (packages/optim/KERNELS.md) as TensorFlow eager ops.
import { fusedOps } from '@descent/core';
import { ema, tfKernel } from './program.js';

export const lionKernel = tfKernel(fusedOps.LionStep, (p, { param, grad, expAvg }, a) => {
  const p0 = a.paramScale === 1 ? param : param.mul(a.paramScale as number);
  const c = ema(expAvg, a.beta1 as number, grad, a.oneMinusBeta1 as number);
  return { param: p0.sub(c.sign().mul(a.lr as number)), expAvg: ema(expAvg, a.beta2 as number, grad, a.oneMinusBeta2 as number) };
});
