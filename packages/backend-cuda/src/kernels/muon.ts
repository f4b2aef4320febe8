// MuonMomentum and MuonApply (packages/optim/KERNELS.md) as TensorFlow eager ops;
// Newton-Schulz between them runs on tfjs-node's own MatMul.
import { fusedOps } from '@descent/core';
import { lerp, tfKernel } from './program.js';

export const muonMomentumKernel = tfKernel(fusedOps.MuonMomentum, (p, { grad, momentumBuffer }, a, info) => {
  const buf = lerp(momentumBuffer, grad, a.oneMinusMomentum);
  const u = a.nesterov ? lerp(grad, buf, a.momentum) : buf;
  const norm = p.reduceAll('Sum', u.square(), info.grad.shape.length).sqrt();
  return { momentumBuffer: buf, update: u.div(norm.max(a.eps)) };
});

export const muonApplyKernel = tfKernel(fusedOps.MuonApply, (_p, { param, ortho }, a) => ({
  param: param.mul(a.paramScale).sub(ortho.mul(a.adjustedLr)),
}));
