import type { AdafactorFactoredStep, AdafactorStep } from '../../ops/optim.js';
import { f, lerpFn, R, type Body } from './host-kernel.js';

function sumSquares(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s;
}

/** `α = max(eps2, RMS(p))·ρ`, from the param before weight decay. */
function relativeStep(param: Float32Array, a: { eps2: number; rho: number }): number {
  return R(Math.max(R(Math.sqrt(sumSquares(param)) / Math.sqrt(param.length)), f(a.eps2)) * f(a.rho));
}

/** The last pass: `p' = p·paramScale − U·α/max(1, RMS(U)/d)`, with `U` already in `out` (uSq its sum of squares). */
function apply(param: Float32Array, out: Float32Array, uSq: number, alpha: number, a: { d: number; paramScale: number }): void {
  const denom = Math.max(R(Math.sqrt(uSq) / Math.sqrt(param.length)) / f(a.d), 1);
  const step = R(alpha / denom);
  const scale = f(a.paramScale);
  for (let i = 0; i < param.length; i++) out[i] = R(param[i] * scale) - out[i] * step;
}

export const adafactor: Body<typeof AdafactorStep> = ({ param, grad, variance }, out, n, a) => {
  const alpha = relativeStep(param, a);
  const lerp = lerpFn(a.oneMinusBeta2);
  const sign = a.maximize ? -1 : 1;
  const floor = f(a.eps1Sq);
  const u = out.param;
  let uSq = 0;
  for (let i = 0; i < n; i++) {
    const g = sign * grad[i];
    const v = R(lerp(variance[i], R(g * g)));
    out.variance[i] = v;
    const x = g / Math.sqrt(Math.max(v, floor));
    u[i] = x;
    uSq += x * x;
  }
  apply(param, u, uSq, alpha, a);
};

/** Row and column factors over the last two axes of `[..., rows, cols]`, one matrix after another. */
export const adafactorFactored: Body<typeof AdafactorFactoredStep> = ({ param, grad, rowVar, colVar }, out, n, a, shape) => {
  const cols = shape[shape.length - 1];
  const rows = shape[shape.length - 2];
  // From the leading axes, not n / (rows·cols): an empty matrix still has factors to write (NaN means, as the fallback's).
  const batch = shape.slice(0, -2).reduce((x, y) => x * y, 1);
  const alpha = relativeStep(param, a);
  const lerp = lerpFn(a.oneMinusBeta2);
  const sign = a.maximize ? -1 : 1;
  const eps1 = f(a.eps1);
  const floor = f(a.eps1Sq);
  const u = out.param;
  const colSum = new Float64Array(cols);
  let uSq = 0;
  for (let b = 0; b < batch; b++) {
    const base = b * rows * cols;
    colSum.fill(0);
    let rowVarSum = 0;
    for (let i = 0; i < rows; i++) {
      let rowSum = 0;
      const at = base + i * cols;
      for (let j = 0; j < cols; j++) {
        const g = grad[at + j];
        const sq = R(g * g);
        rowSum += sq;
        colSum[j] += sq;
      }
      const r = R(lerp(rowVar[b * rows + i], R(R(rowSum) / cols)));
      out.rowVar[b * rows + i] = r;
      rowVarSum += r;
    }
    for (let j = 0; j < cols; j++) out.colVar[b * cols + j] = R(lerp(colVar[b * cols + j], R(R(colSum[j]) / rows)));
    const rowMean = Math.max(R(R(rowVarSum) / rows), eps1);
    for (let i = 0; i < rows; i++) {
      const r = out.rowVar[b * rows + i];
      const at = base + i * cols;
      for (let j = 0; j < cols; j++) {
        const g = sign * grad[at + j];
        const x = g / Math.sqrt(Math.max(R(R(r * out.colVar[b * cols + j]) / rowMean), floor));
        u[at + j] = x;
        uSq += x * x;
      }
    }
  }
  apply(param, u, uSq, alpha, a);
};
