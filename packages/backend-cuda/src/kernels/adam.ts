// AdamStep, AdamAmsgradStep (Adam and AdamW; packages/optim/KERNELS.md) as TensorFlow eager ops.
import { fusedOps } from '@descent/core';
import { effectiveGrad, ema, emaSq, tfKernel, type Handle, type KernelAttrs, type TfProgram } from './program.js';

function adam(p: TfProgram, param: Handle, grad: Handle, expAvg: Handle, expAvgSq: Handle, maxExpAvgSq: Handle | null, a: KernelAttrs) {
  // p * 1 is p in IEEE arithmetic: Adam (paramScale 1) skips that pass.
  const p0 = a.paramScale === 1 ? param : param.mul(a.paramScale as number);
  const g = effectiveGrad(p, param, grad, a);
  const m = ema(expAvg, a.beta1 as number, g, a.oneMinusBeta1 as number);
  const v = emaSq(expAvgSq, a.beta2 as number, g, a.oneMinusBeta2 as number);
  const vmax = maxExpAvgSq ? maxExpAvgSq.max(v) : null;
  const denom = (vmax ?? v).sqrt().div(a.biasCorrection2Sqrt as number).add(a.eps as number);
  return { param: p0.sub(m.mul(a.stepSize as number).div(denom)), expAvg: m, expAvgSq: v, vmax };
}

export const adamKernel = tfKernel(fusedOps.AdamStep, (p, x, a) => {
  const r = adam(p, x.param, x.grad, x.expAvg, x.expAvgSq, null, a);
  return { param: r.param, expAvg: r.expAvg, expAvgSq: r.expAvgSq };
});

export const adamAmsgradKernel = tfKernel(fusedOps.AdamAmsgradStep, (p, x, a) => {
  const r = adam(p, x.param, x.grad, x.expAvg, x.expAvgSq, x.maxExpAvgSq, a);
  return { param: r.param, expAvg: r.expAvg, expAvgSq: r.expAvgSq, maxExpAvgSq: r.vmax! };
});
