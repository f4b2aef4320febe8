import type { LionStep } from '../../ops/optim.js';
import { f, R, type Body } from './host-kernel.js';

export const lion: Body<typeof LionStep> = (x, out, n, a) => {
  const lr = f(a.lr);
  const scale = f(a.paramScale);
  const b1 = f(a.beta1);
  const c1 = f(a.oneMinusBeta1);
  const b2 = f(a.beta2);
  const c2 = f(a.oneMinusBeta2);
  const { param, grad, expAvg } = x;
  for (let i = 0; i < n; i++) {
    const m = R(expAvg[i]);
    const g = grad[i];
    const c = m * b1 + c1 * g;
    out.param[i] = param[i] * scale - lr * Math.sign(c);
    out.expAvg[i] = m * b2 + c2 * g;
  }
};
