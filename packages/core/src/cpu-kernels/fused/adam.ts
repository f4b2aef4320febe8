import type { AdamAmsgradStep, AdamStep } from '../../ops/optim.js';
import { f, type Body } from './host-kernel.js';

// Adam is the hottest kernel. `(stepSize * m) / (sqrt(v) / bc2 + eps)` is computed
// as `(stepSize * bc2) * m / (sqrt(v) + eps * bc2)`: one division fewer, and in
// float64 the two differ by a few float64 ulps, far below the float32 rounding
// of p'. Loops are plain functions with every flag hoisted out (a flag read
// from a closure costs ~15% here), and call Math.fround by name (through a
// module-level alias, TurboFan's first compile re-checks it every element).

type AdamAttrs = Parameters<Body<typeof AdamStep>>[3];
type Arrays = Record<string, Float32Array>;

/** Adam and AdamW without L2 decay or amsgrad (AdamW, and Adam's default). */
function adamPlain(x: Arrays, out: Arrays, n: number, a: AdamAttrs): void {
  const scale = f(a.paramScale);
  const b1 = f(a.beta1);
  const b2 = f(a.beta2);
  const c2 = f(a.oneMinusBeta2);
  const bc2 = f(a.biasCorrection2Sqrt);
  const k = f(a.stepSize) * bc2;
  const e = f(a.eps) * bc2;
  // maximize: g = -grad. Only m' sees the sign; v' has (c2 * g) * g either way (negation is exact).
  const c1 = a.maximize ? -f(a.oneMinusBeta1) : f(a.oneMinusBeta1);
  const { param, grad, expAvg, expAvgSq } = x;
  const pOut = out.param;
  const mOut = out.expAvg;
  const vOut = out.expAvgSq;
  for (let i = 0; i < n; i++) {
    const g = grad[i];
    const m = Math.fround(expAvg[i] * b1 + c1 * g);
    const v = Math.fround(expAvgSq[i] * b2 + (c2 * g) * g);
    mOut[i] = m;
    vOut[i] = v;
    pOut[i] = param[i] * scale - (k * m) / (Math.sqrt(v) + e);
  }
}

/** Adam with L2 decay, and amsgrad. */
function adamGeneral(x: Arrays, out: Arrays, n: number, a: AdamAttrs, amsgrad: boolean): void {
  const wd = f(a.weightDecay);
  const sign = a.maximize ? -1 : 1;
  const scale = f(a.paramScale);
  const b1 = f(a.beta1);
  const c1 = f(a.oneMinusBeta1);
  const b2 = f(a.beta2);
  const c2 = f(a.oneMinusBeta2);
  const bc2 = f(a.biasCorrection2Sqrt);
  const k = f(a.stepSize) * bc2;
  const e = f(a.eps) * bc2;
  const { param, grad, expAvg, expAvgSq } = x;
  const vmaxIn = amsgrad ? x.maxExpAvgSq : expAvgSq;
  const pOut = out.param;
  const mOut = out.expAvg;
  const vOut = out.expAvgSq;
  const vmaxOut = amsgrad ? out.maxExpAvgSq : vOut;
  for (let i = 0; i < n; i++) {
    const p = param[i];
    let g = sign * grad[i];
    if (wd !== 0) g = Math.fround(g + wd * p);
    const m = Math.fround(expAvg[i] * b1 + c1 * g);
    const v = Math.fround(expAvgSq[i] * b2 + (c2 * g) * g);
    let vm = v;
    if (amsgrad) {
      vm = Math.max(vmaxIn[i], v);
      vmaxOut[i] = vm;
    }
    mOut[i] = m;
    vOut[i] = v;
    pOut[i] = p * scale - (k * m) / (Math.sqrt(vm) + e);
  }
}

export const adam: Body<typeof AdamStep> = (x, out, n, a) => (f(a.weightDecay) === 0 ? adamPlain(x, out, n, a) : adamGeneral(x, out, n, a, false));
export const adamAmsgrad: Body<typeof AdamAmsgradStep> = (x, out, n, a) => adamGeneral(x, out, n, a, true);
