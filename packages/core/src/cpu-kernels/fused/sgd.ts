import type { SgdMomentumStep, SgdStep } from '../../ops/optim.js';
import { f, gradFn, type Body } from './host-kernel.js';

export const sgd: Body<typeof SgdStep> = (x, out, n, a) => {
  const lr = f(a.lr);
  const G = gradFn(a);
  const { param, grad } = x;
  for (let i = 0; i < n; i++) out.param[i] = param[i] - lr * G(grad[i], param[i]);
};

export const sgdMomentum: Body<typeof SgdMomentumStep> = (x, out, n, a) => {
  const lr = f(a.lr);
  const mu = f(a.momentum);
  const damp = f(a.dampeningComplement);
  const G = gradFn(a);
  const { param, grad, momentumBuffer } = x;
  const init = a.init;
  const nesterov = a.nesterov;
  for (let i = 0; i < n; i++) {
    const g = G(grad[i], param[i]);
    // On the first step the buffer input is a placeholder: never read it.
    const b = init ? g : momentumBuffer[i] * mu + damp * g;
    const d = nesterov ? g + mu * b : b;
    out.momentumBuffer[i] = b;
    out.param[i] = param[i] - lr * d;
  }
};
