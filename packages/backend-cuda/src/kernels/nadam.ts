// NadamStep (torch 1.13's NAdam; packages/optim/KERNELS.md) as TensorFlow eager ops.
import { fusedOps } from '@descent/core';
import { effectiveGrad, ema, emaSq, tfKernel } from './program.js';

export const nadamKernel = tfKernel(fusedOps.NadamStep, (p, { param, grad, expAvg, expAvgSq }, a) => {
  const g = effectiveGrad(p, param, grad, a);
  const m = ema(expAvg, a.beta1 as number, g, a.oneMinusBeta1 as number);
  const v = emaSq(expAvgSq, a.beta2 as number, g, a.oneMinusBeta2 as number);
  const denom = v.div(a.biasCorrection2 as number).sqrt().add(a.eps as number);
  const p1 = param.sub(g.mul(a.gradCoef as number).div(denom));
  return { param: p1.sub(m.mul(a.avgCoef as number).div(denom)), expAvg: m, expAvgSq: v };
});
