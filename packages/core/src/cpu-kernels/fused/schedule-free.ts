import type { ScheduleFreeAdamWMomentumStep, ScheduleFreeAdamWStep } from '../../ops/optim.js';
import { f, lerpFn, R, type Body } from './host-kernel.js';

/** Both variants: `m` is the inner momentum's input and output, when there is one. */
function scheduleFree(
  x: { param: Float32Array; grad: Float32Array; z: Float32Array; expAvgSq: Float32Array; expAvg?: Float32Array },
  out: { param: Float32Array; z: Float32Array; expAvgSq: Float32Array; expAvg?: Float32Array },
  n: number,
  a: { beta2: number; oneMinusBeta2: number; biasCorrection2: number; eps: number; weightDecay: number; ckp1: number; yCoef: number; lr: number; innerMomentum?: number; oneMinusInnerMomentum?: number; biasCorrection1?: number },
): void {
  const b2 = f(a.beta2);
  const c2 = f(a.oneMinusBeta2);
  const bc2 = f(a.biasCorrection2);
  const eps = f(a.eps);
  const wd = f(a.weightDecay);
  const yCoef = f(a.yCoef);
  const lr = f(a.lr);
  const toZ = lerpFn(a.ckp1);
  const mom = x.expAvg !== undefined;
  const b1 = f(a.innerMomentum ?? 0);
  const c1 = f(a.oneMinusInnerMomentum ?? 1);
  const bc1 = f(a.biasCorrection1 ?? 1);
  for (let i = 0; i < n; i++) {
    const g = x.grad[i];
    const y = x.param[i];
    const z = x.z[i];
    const v = R(x.expAvgSq[i] * b2 + R(g * c2) * g);
    out.expAvgSq[i] = v;
    const denom = Math.sqrt(v / bc2) + eps;
    let u: number;
    if (mom) {
      const m = R(x.expAvg![i] * b1 + g * c1);
      out.expAvg![i] = m;
      u = m / bc1 / denom;
    } else {
      u = g / denom;
    }
    if (wd !== 0) u = R(u + y * wd);
    out.param[i] = R(toZ(y, z)) + u * yCoef;
    out.z[i] = z - u * lr;
  }
}

export const scheduleFreeAdamW: Body<typeof ScheduleFreeAdamWStep> = (x, out, n, a) => scheduleFree(x, out, n, a);
export const scheduleFreeAdamWMomentum: Body<typeof ScheduleFreeAdamWMomentumStep> = (x, out, n, a) => scheduleFree(x, out, n, a);
