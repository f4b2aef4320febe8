import type { MuonApply, MuonMomentum } from '../../ops/optim.js';
import { f, lerpFn, R, type Body } from './host-kernel.js';

export const muonMomentum: Body<typeof MuonMomentum> = ({ grad, momentumBuffer }, out, n, a) => {
  const toGrad = lerpFn(a.oneMinusMomentum);
  const toBuf = lerpFn(a.momentum);
  const u = out.update;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const g = grad[i];
    const b = R(toGrad(momentumBuffer[i], g));
    out.momentumBuffer[i] = b;
    const x = a.nesterov ? R(toBuf(g, b)) : b;
    u[i] = x;
    sq += x * x;
  }
  const denom = Math.max(R(Math.sqrt(sq)), f(a.eps));
  for (let i = 0; i < n; i++) u[i] = u[i] / denom;
};

export const muonApply: Body<typeof MuonApply> = ({ param, ortho }, out, n, a) => {
  const scale = f(a.paramScale);
  const lr = f(a.adjustedLr);
  for (let i = 0; i < n; i++) out.param[i] = R(param[i] * scale) - R(ortho[i] * lr);
};
