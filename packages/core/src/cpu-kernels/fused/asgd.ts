import type { AsgdStep } from '../../ops/optim.js';
import { f, gradFn, R, type Body } from './host-kernel.js';

export const asgd: Body<typeof AsgdStep> = ({ param, grad, ax }, out, n, a) => {
  const gradOf = gradFn(a);
  const scale = f(a.paramScale);
  const eta = f(a.eta);
  const mu = f(a.mu);
  for (let i = 0; i < n; i++) {
    const x = param[i];
    const p = R(R(x * scale) - R(gradOf(grad[i], x) * eta));
    out.param[i] = p;
    // While mu is 1, ax is a copy and its input is never read.
    out.ax[i] = a.average ? ax[i] + (p - ax[i]) * mu : p;
  }
};
