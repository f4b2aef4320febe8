import type { AdadeltaStep, AdagradStep, RmspropCenteredMomentumStep, RmspropCenteredStep, RmspropMomentumStep, RmspropStep } from '../../ops/optim.js';

type RmspropDecl = typeof RmspropStep | typeof RmspropCenteredStep | typeof RmspropMomentumStep | typeof RmspropCenteredMomentumStep;
import { f, gradFn, R, type Body } from './host-kernel.js';

export const adagrad: Body<typeof AdagradStep> = (x, out, n, a) => {
  const G = gradFn(a);
  const clr = f(a.clr);
  const eps = f(a.eps);
  const { param, grad, sum } = x;
  for (let i = 0; i < n; i++) {
    const p = param[i];
    const g = G(grad[i], p);
    const s = sum[i] + g * g;
    out.sum[i] = s;
    out.param[i] = p - (clr * g) / (Math.sqrt(s) + eps);
  }
};

/** The four RMSprop variants share one body; absent inputs and outputs are simply not touched. */
export function rmsprop<D extends RmspropDecl>(centered: boolean, momentum: boolean): Body<D> {
  const body: Body<typeof RmspropCenteredMomentumStep> = (x, out, n, a) => {
    const G = gradFn(a);
    const lr = f(a.lr);
    const alpha = f(a.alpha);
    const c = f(a.oneMinusAlpha);
    const eps = f(a.eps);
    const mu = f(a.momentum);
    const { param, grad, squareAvg, gradAvg, momentumBuffer } = x;
    for (let i = 0; i < n; i++) {
      const p = param[i];
      const g = G(grad[i], p);
      const sq = R(squareAvg[i] * alpha + (c * g) * g);
      out.squareAvg[i] = sq;
      let avg: number;
      if (centered) {
        const ga = R(gradAvg[i] * alpha + c * g);
        out.gradAvg[i] = ga;
        // Variance by cancellation: round as torch does, or the error is amplified.
        avg = Math.sqrt(R(sq - R(ga * ga))) + eps;
      } else {
        avg = Math.sqrt(sq) + eps;
      }
      if (momentum) {
        const b = momentumBuffer[i] * mu + g / avg;
        out.momentumBuffer[i] = b;
        out.param[i] = p - lr * b;
      } else {
        out.param[i] = p - (lr * g) / avg;
      }
    }
  };
  return body as unknown as Body<D>;
}

export const adadelta: Body<typeof AdadeltaStep> = (x, out, n, a) => {
  const G = gradFn(a);
  const lr = f(a.lr);
  const rho = f(a.rho);
  const c = f(a.oneMinusRho);
  const eps = f(a.eps);
  const { param, grad, squareAvg, accDelta } = x;
  for (let i = 0; i < n; i++) {
    const p = param[i];
    const g = G(grad[i], p);
    const sq = R(squareAvg[i] * rho + (c * g) * g);
    const std = Math.sqrt(sq + eps);
    const delta = R((Math.sqrt(accDelta[i] + eps) / std) * g);
    out.squareAvg[i] = sq;
    out.accDelta[i] = accDelta[i] * rho + (c * delta) * delta;
    out.param[i] = p - lr * delta;
  }
};
