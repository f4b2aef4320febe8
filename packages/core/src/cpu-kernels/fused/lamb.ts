import type { LambStep } from '../../ops/optim.js';
import { f, R, type Body } from './host-kernel.js';

export const lamb: Body<typeof LambStep> = (x, out, n, a) => {
  const b1 = f(a.beta1);
  const b3 = f(a.beta3);
  const b2 = f(a.beta2);
  const c2 = f(a.oneMinusBeta2);
  const eps = f(a.eps);
  const bc1 = f(a.biasCorrection1);
  const bc2 = f(a.biasCorrection2Sqrt);
  const wd = f(a.weightDecay);
  const lr = f(a.lr);
  const { param, grad, expAvg, expAvgSq, gradDivisor } = x;
  const div = gradDivisor[0];
  // Pass 1: moments and the raw update (kept in the param output buffer).
  const u = out.param;
  let wSq = 0;
  let uSq = 0;
  for (let i = 0; i < n; i++) {
    const p = param[i];
    const g = grad[i] / div;
    const m = R(expAvg[i] * b1 + b3 * g);
    const v = R(expAvgSq[i] * b2 + (c2 * g) * g);
    let up = m / bc1 / (Math.sqrt(v) / bc2 + eps);
    if (wd !== 0) up = up + wd * p;
    out.expAvg[i] = m;
    out.expAvgSq[i] = v;
    u[i] = up;
    wSq += p * p;
    uSq += up * up;
  }
  let ratio = 1;
  if (a.adapt) {
    const w = Math.sqrt(wSq);
    const un = Math.sqrt(uSq);
    ratio = w > 0 && un > 0 ? w / un : 1;
    if (a.trustClip) ratio = Math.min(ratio, 1);
  }
  // Pass 2: apply.
  for (let i = 0; i < n; i++) u[i] = param[i] - lr * (u[i] * ratio);
};
