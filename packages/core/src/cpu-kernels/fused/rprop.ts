import type { RpropStep } from '../../ops/optim.js';
import { f, R, type Body } from './host-kernel.js';

export const rprop: Body<typeof RpropStep> = ({ param, grad, prev, stepSize }, out, n, a) => {
  const sign = a.maximize ? -1 : 1;
  const minus = f(a.etaminus);
  const plus = f(a.etaplus);
  const lo = f(a.stepSizeMin);
  const hi = f(a.stepSizeMax);
  for (let i = 0; i < n; i++) {
    const g = sign * grad[i];
    // The product in float32, as torch's: a tiny product underflows to 0, which keeps the step size.
    const s = R(g * prev[i]);
    const factor = s > 0 ? plus : s < 0 ? minus : 1;
    const size = Math.min(Math.max(R(stepSize[i] * factor), lo), hi);
    const held = factor === minus ? 0 : g;
    out.stepSize[i] = size;
    out.prev[i] = held;
    out.param[i] = param[i] - (held > 0 ? size : held < 0 ? -size : 0);
  }
};
