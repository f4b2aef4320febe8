// RadamStep (torch 1.13's RAdam; packages/optim/KERNELS.md) as TensorFlow eager ops.
import { fusedOps } from '@descent/core';
import { effectiveGrad, ema, emaSq, tfKernel } from './program.js';

export const radamKernel = tfKernel(fusedOps.RadamStep, (p, { param, grad, expAvg, expAvgSq }, a) => {
  const g = effectiveGrad(p, param, grad, a);
  const m = ema(expAvg, a.beta1 as number, g, a.oneMinusBeta1 as number);
  const v = emaSq(expAvgSq, a.beta2 as number, g, a.oneMinusBeta2 as number);
  const step = m.div(a.biasCorrection1 as number).mul(a.lr as number);
  // torch: float / tensor is the tensor's reciprocal times the float.
  const update = a.rectify ? step.mul(v.sqrt().add(a.eps as number).reciprocal().mul(a.biasCorrection2Sqrt as number)).mul(a.rect as number) : step;
  return { param: param.sub(update), expAvg: m, expAvgSq: v };
});
