import type { AdamaxStep, NadamStep, RadamStep } from '../../ops/optim.js';
import { f, gradFn, R, type Body } from './host-kernel.js';

export const adamax: Body<typeof AdamaxStep> = (x, out, n, a) => {
  const G = gradFn(a);
  const b1 = f(a.beta1);
  const c1 = f(a.oneMinusBeta1);
  const b2 = f(a.beta2);
  const eps = f(a.eps);
  const clr = f(a.clr);
  const { param, grad, expAvg, expInf } = x;
  for (let i = 0; i < n; i++) {
    const p = param[i];
    const g = G(grad[i], p);
    const m = R(expAvg[i] * b1 + c1 * g);
    const u = Math.max(expInf[i] * b2, Math.abs(g) + eps);
    out.expAvg[i] = m;
    out.expInf[i] = u;
    out.param[i] = p - (clr * m) / u;
  }
};

export const nadam: Body<typeof NadamStep> = (x, out, n, a) => {
  const G = gradFn(a);
  const b1 = f(a.beta1);
  const c1 = f(a.oneMinusBeta1);
  const b2 = f(a.beta2);
  const c2 = f(a.oneMinusBeta2);
  const eps = f(a.eps);
  const bc2 = f(a.biasCorrection2);
  const gc = f(a.gradCoef);
  const ac = f(a.avgCoef);
  const { param, grad, expAvg, expAvgSq } = x;
  for (let i = 0; i < n; i++) {
    const p = param[i];
    const g = G(grad[i], p);
    const m = R(expAvg[i] * b1 + c1 * g);
    const v = R(expAvgSq[i] * b2 + (c2 * g) * g);
    const denom = Math.sqrt(v / bc2) + eps;
    const p1 = p - (gc * g) / denom;
    out.expAvg[i] = m;
    out.expAvgSq[i] = v;
    out.param[i] = p1 - (ac * m) / denom;
  }
};

export const radam: Body<typeof RadamStep> = (x, out, n, a) => {
  const G = gradFn(a);
  const lr = f(a.lr);
  const b1 = f(a.beta1);
  const c1 = f(a.oneMinusBeta1);
  const b2 = f(a.beta2);
  const c2 = f(a.oneMinusBeta2);
  const eps = f(a.eps);
  const bc1 = f(a.biasCorrection1);
  const bc2 = f(a.biasCorrection2Sqrt);
  const rect = f(a.rect);
  const rectify = a.rectify;
  const { param, grad, expAvg, expAvgSq } = x;
  for (let i = 0; i < n; i++) {
    const p = param[i];
    const g = G(grad[i], p);
    const m = R(expAvg[i] * b1 + c1 * g);
    const v = R(expAvgSq[i] * b2 + (c2 * g) * g);
    let u = (m / bc1) * lr;
    if (rectify) u = u * ((1 / (Math.sqrt(v) + eps)) * bc2) * rect;
    out.expAvg[i] = m;
    out.expAvgSq[i] = v;
    out.param[i] = p - u;
  }
};
