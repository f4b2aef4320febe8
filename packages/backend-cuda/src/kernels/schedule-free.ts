// ScheduleFreeAdamWStep and ScheduleFreeAdamWMomentumStep (packages/optim/KERNELS.md) as TensorFlow eager ops.
import { fusedOps, type AttrsOf } from '@descent/core';
import { lerp, tfKernel, type Handle } from './program.js';

type Attrs = AttrsOf<typeof fusedOps.ScheduleFreeAdamWStep>;

function step(y: Handle, grad: Handle, z: Handle, expAvgSq: Handle, a: Attrs, direction: (denom: Handle) => Handle) {
  const v = expAvgSq.mul(a.beta2).add(grad.mul(a.oneMinusBeta2).mul(grad));
  let u = direction(v.div(a.biasCorrection2).sqrt().add(a.eps));
  if (a.weightDecay !== 0) u = u.add(y.mul(a.weightDecay));
  return { param: lerp(y, z, a.ckp1).add(u.mul(a.yCoef)), z: z.sub(u.mul(a.lr)), expAvgSq: v };
}

export const scheduleFreeAdamWKernel = tfKernel(fusedOps.ScheduleFreeAdamWStep, (_p, { param, grad, z, expAvgSq }, a) => step(param, grad, z, expAvgSq, a, (denom) => grad.div(denom)));

export const scheduleFreeAdamWMomentumKernel = tfKernel(fusedOps.ScheduleFreeAdamWMomentumStep, (_p, { param, grad, z, expAvgSq, expAvg }, a) => {
  const m = expAvg.mul(a.innerMomentum).add(grad.mul(a.oneMinusInnerMomentum));
  return { ...step(param, grad, z, expAvgSq, a, (denom) => m.div(a.biasCorrection1).div(denom)), expAvg: m };
});
