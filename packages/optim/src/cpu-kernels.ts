import * as tf from '@tensorflow/tfjs-core';
import { registerFusedKernel, type FusedAttrs, type FusedKernelArgs } from '@descent/core';

// Plain-JS kernels for tfjs's cpu backend: one tight loop per parameter over
// the backend's typed arrays, float32 rounding at every step (Math.fround), in
// the order KERNELS.md fixes. Outputs are fresh arrays: inputs are never written.

interface CpuBackend {
  data: { get(dataId: object): { values?: unknown } };
  readSync(dataId: object): unknown;
  makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo;
}

const F = Math.fround;

function read(backend: CpuBackend, t: tf.TensorInfo): Float32Array {
  const values = backend.data.get(t.dataId).values ?? backend.readSync(t.dataId);
  return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
}

type Arrays = Record<string, Float32Array>;
/** A kernel body: reads `x`, fills `out` (fresh arrays of the param's length). */
type Body = (x: Arrays, out: Arrays, n: number, a: FusedAttrs) => void;

function kernel(inputs: readonly string[], outputs: readonly string[], body: Body) {
  return ({ inputs: ins, attrs, backend }: FusedKernelArgs<string>): tf.TensorInfo[] => {
    const be = backend as unknown as CpuBackend;
    const x: Arrays = {};
    for (const name of inputs) x[name] = read(be, ins[name]);
    const n = x.param.length;
    const out: Arrays = {};
    for (const name of outputs) out[name] = new Float32Array(n);
    body(x, out, n, attrs);
    return outputs.map((name) => be.makeTensorInfo([...ins.param.shape], 'float32', out[name]));
  };
}

const f = (a: FusedAttrs, key: string): number => F(a[key] as number);

/** `g` of KERNELS.md: sign flip and L2 weight decay. */
function gradFn(a: FusedAttrs): (g: number, p: number) => number {
  const wd = f(a, 'weightDecay');
  const sign = a.maximize ? -1 : 1;
  return wd !== 0 ? (g, p) => F(sign * g + F(wd * p)) : (g) => sign * g;
}

const sgd: Body = (x, out, n, a) => {
  const lr = f(a, 'lr');
  const G = gradFn(a);
  const { param, grad } = x;
  for (let i = 0; i < n; i++) out.param[i] = param[i] - F(lr * G(grad[i], param[i]));
};

const sgdMomentum: Body = (x, out, n, a) => {
  const lr = f(a, 'lr');
  const mu = f(a, 'momentum');
  const damp = f(a, 'dampeningComplement');
  const G = gradFn(a);
  const { param, grad, momentumBuffer } = x;
  const init = a.init === true;
  const nesterov = a.nesterov === true;
  for (let i = 0; i < n; i++) {
    const g = G(grad[i], param[i]);
    const b = init ? g : F(F(momentumBuffer[i] * mu) + F(damp * g));
    const d = nesterov ? F(g + F(mu * b)) : b;
    out.momentumBuffer[i] = b;
    out.param[i] = param[i] - F(lr * d);
  }
};

function adamBody(amsgrad: boolean): Body {
  return (x, out, n, a) => {
    const G = gradFn(a);
    const scale = f(a, 'paramScale');
    const b1 = f(a, 'beta1');
    const c1 = f(a, 'oneMinusBeta1');
    const b2 = f(a, 'beta2');
    const c2 = f(a, 'oneMinusBeta2');
    const eps = f(a, 'eps');
    const stepSize = f(a, 'stepSize');
    const bc2 = f(a, 'biasCorrection2Sqrt');
    const { param, grad, expAvg, expAvgSq, maxExpAvgSq } = x;
    for (let i = 0; i < n; i++) {
      const p = param[i];
      const g = G(grad[i], p);
      const m = F(F(expAvg[i] * b1) + F(c1 * g));
      const v = F(F(expAvgSq[i] * b2) + F(F(c2 * g) * g));
      let vm = v;
      if (amsgrad) {
        vm = Math.max(maxExpAvgSq[i], v);
        out.maxExpAvgSq[i] = vm;
      }
      const denom = F(F(F(Math.sqrt(vm)) / bc2) + eps);
      out.expAvg[i] = m;
      out.expAvgSq[i] = v;
      out.param[i] = F(p * scale) - F(F(stepSize * m) / denom);
    }
  };
}

const lamb: Body = (x, out, n, a) => {
  const b1 = f(a, 'beta1');
  const b3 = f(a, 'beta3');
  const b2 = f(a, 'beta2');
  const c2 = f(a, 'oneMinusBeta2');
  const eps = f(a, 'eps');
  const bc1 = f(a, 'biasCorrection1');
  const bc2 = f(a, 'biasCorrection2Sqrt');
  const wd = f(a, 'weightDecay');
  const lr = f(a, 'lr');
  const { param, grad, expAvg, expAvgSq, gradDivisor } = x;
  const div = gradDivisor[0];
  // Pass 1: moments and the raw update (kept in the param output buffer).
  const u = out.param;
  let wSq = 0;
  let uSq = 0;
  for (let i = 0; i < n; i++) {
    const p = param[i];
    const g = F(grad[i] / div);
    const m = F(F(expAvg[i] * b1) + F(b3 * g));
    const v = F(F(expAvgSq[i] * b2) + F(F(c2 * g) * g));
    let up = F(F(m / bc1) / F(F(F(Math.sqrt(v)) / bc2) + eps));
    if (wd !== 0) up = F(up + F(wd * p));
    out.expAvg[i] = m;
    out.expAvgSq[i] = v;
    u[i] = up;
    wSq += p * p;
    uSq += up * up;
  }
  let ratio = 1;
  if (a.adapt) {
    const w = F(Math.sqrt(wSq));
    const un = F(Math.sqrt(uSq));
    ratio = w > 0 && un > 0 ? F(w / un) : 1;
    if (a.trustClip) ratio = Math.min(ratio, 1);
  }
  // Pass 2: apply.
  for (let i = 0; i < n; i++) u[i] = param[i] - F(lr * F(u[i] * ratio));
};

const adagrad: Body = (x, out, n, a) => {
  const G = gradFn(a);
  const clr = f(a, 'clr');
  const eps = f(a, 'eps');
  const { param, grad, sum } = x;
  for (let i = 0; i < n; i++) {
    const p = param[i];
    const g = G(grad[i], p);
    const s = F(sum[i] + F(g * g));
    out.sum[i] = s;
    out.param[i] = p - F(F(clr * g) / F(F(Math.sqrt(s)) + eps));
  }
};

function rmspropBody(centered: boolean, momentum: boolean): Body {
  return (x, out, n, a) => {
    const G = gradFn(a);
    const lr = f(a, 'lr');
    const alpha = f(a, 'alpha');
    const c = f(a, 'oneMinusAlpha');
    const eps = f(a, 'eps');
    const mu = f(a, 'momentum');
    const { param, grad, squareAvg, gradAvg, momentumBuffer } = x;
    for (let i = 0; i < n; i++) {
      const p = param[i];
      const g = G(grad[i], p);
      const sq = F(F(squareAvg[i] * alpha) + F(F(c * g) * g));
      out.squareAvg[i] = sq;
      let avg: number;
      if (centered) {
        const ga = F(F(gradAvg[i] * alpha) + F(c * g));
        out.gradAvg[i] = ga;
        avg = F(F(Math.sqrt(F(sq - F(ga * ga)))) + eps);
      } else {
        avg = F(F(Math.sqrt(sq)) + eps);
      }
      if (momentum) {
        const b = F(F(momentumBuffer[i] * mu) + F(g / avg));
        out.momentumBuffer[i] = b;
        out.param[i] = p - F(lr * b);
      } else {
        out.param[i] = p - F(F(lr * g) / avg);
      }
    }
  };
}

const adadelta: Body = (x, out, n, a) => {
  const G = gradFn(a);
  const lr = f(a, 'lr');
  const rho = f(a, 'rho');
  const c = f(a, 'oneMinusRho');
  const eps = f(a, 'eps');
  const { param, grad, squareAvg, accDelta } = x;
  for (let i = 0; i < n; i++) {
    const p = param[i];
    const g = G(grad[i], p);
    const sq = F(F(squareAvg[i] * rho) + F(F(c * g) * g));
    const std = F(Math.sqrt(F(sq + eps)));
    const delta = F(F(F(Math.sqrt(F(accDelta[i] + eps))) / std) * g);
    out.squareAvg[i] = sq;
    out.accDelta[i] = F(F(accDelta[i] * rho) + F(F(c * delta) * delta));
    out.param[i] = p - F(lr * delta);
  }
};

const adamax: Body = (x, out, n, a) => {
  const G = gradFn(a);
  const b1 = f(a, 'beta1');
  const c1 = f(a, 'oneMinusBeta1');
  const b2 = f(a, 'beta2');
  const eps = f(a, 'eps');
  const clr = f(a, 'clr');
  const { param, grad, expAvg, expInf } = x;
  for (let i = 0; i < n; i++) {
    const p = param[i];
    const g = G(grad[i], p);
    const m = F(F(expAvg[i] * b1) + F(c1 * g));
    const u = Math.max(F(expInf[i] * b2), F(Math.abs(g) + eps));
    out.expAvg[i] = m;
    out.expInf[i] = u;
    out.param[i] = p - F(F(clr * m) / u);
  }
};

const nadam: Body = (x, out, n, a) => {
  const G = gradFn(a);
  const b1 = f(a, 'beta1');
  const c1 = f(a, 'oneMinusBeta1');
  const b2 = f(a, 'beta2');
  const c2 = f(a, 'oneMinusBeta2');
  const eps = f(a, 'eps');
  const bc2 = f(a, 'biasCorrection2');
  const gc = f(a, 'gradCoef');
  const ac = f(a, 'avgCoef');
  const { param, grad, expAvg, expAvgSq } = x;
  for (let i = 0; i < n; i++) {
    const p = param[i];
    const g = G(grad[i], p);
    const m = F(F(expAvg[i] * b1) + F(c1 * g));
    const v = F(F(expAvgSq[i] * b2) + F(F(c2 * g) * g));
    const denom = F(F(Math.sqrt(F(v / bc2))) + eps);
    const p1 = F(p - F(F(gc * g) / denom));
    out.expAvg[i] = m;
    out.expAvgSq[i] = v;
    out.param[i] = p1 - F(F(ac * m) / denom);
  }
};

const radam: Body = (x, out, n, a) => {
  const G = gradFn(a);
  const lr = f(a, 'lr');
  const b1 = f(a, 'beta1');
  const c1 = f(a, 'oneMinusBeta1');
  const b2 = f(a, 'beta2');
  const c2 = f(a, 'oneMinusBeta2');
  const eps = f(a, 'eps');
  const bc1 = f(a, 'biasCorrection1');
  const bc2 = f(a, 'biasCorrection2Sqrt');
  const rect = f(a, 'rect');
  const rectify = a.rectify === true;
  const { param, grad, expAvg, expAvgSq } = x;
  for (let i = 0; i < n; i++) {
    const p = param[i];
    const g = G(grad[i], p);
    const m = F(F(expAvg[i] * b1) + F(c1 * g));
    const v = F(F(expAvgSq[i] * b2) + F(F(c2 * g) * g));
    let u = F(F(m / bc1) * lr);
    if (rectify) u = F(F(u * F(F(1 / F(F(Math.sqrt(v)) + eps)) * bc2)) * rect);
    out.expAvg[i] = m;
    out.expAvgSq[i] = v;
    out.param[i] = p - u;
  }
};

const lion: Body = (x, out, n, a) => {
  const lr = f(a, 'lr');
  const scale = f(a, 'paramScale');
  const b1 = f(a, 'beta1');
  const c1 = f(a, 'oneMinusBeta1');
  const b2 = f(a, 'beta2');
  const c2 = f(a, 'oneMinusBeta2');
  const { param, grad, expAvg } = x;
  for (let i = 0; i < n; i++) {
    const m = expAvg[i];
    const g = grad[i];
    const c = F(F(m * b1) + F(c1 * g));
    out.param[i] = F(param[i] * scale) - F(lr * Math.sign(c));
    out.expAvg[i] = F(F(m * b2) + F(c2 * g));
  }
};

/** Every optim op's cpu kernel: name, input order, output order, body. */
const kernels: Array<[string, string[], string[], Body]> = [
  ['SgdStep', ['param', 'grad'], ['param'], sgd],
  ['SgdMomentumStep', ['param', 'grad', 'momentumBuffer'], ['param', 'momentumBuffer'], sgdMomentum],
  ['AdamStep', ['param', 'grad', 'expAvg', 'expAvgSq'], ['param', 'expAvg', 'expAvgSq'], adamBody(false)],
  ['AdamAmsgradStep', ['param', 'grad', 'expAvg', 'expAvgSq', 'maxExpAvgSq'], ['param', 'expAvg', 'expAvgSq', 'maxExpAvgSq'], adamBody(true)],
  ['LambStep', ['param', 'grad', 'expAvg', 'expAvgSq', 'gradDivisor'], ['param', 'expAvg', 'expAvgSq'], lamb],
  ['AdagradStep', ['param', 'grad', 'sum'], ['param', 'sum'], adagrad],
  ['RmspropStep', ['param', 'grad', 'squareAvg'], ['param', 'squareAvg'], rmspropBody(false, false)],
  ['RmspropCenteredStep', ['param', 'grad', 'squareAvg', 'gradAvg'], ['param', 'squareAvg', 'gradAvg'], rmspropBody(true, false)],
  ['RmspropMomentumStep', ['param', 'grad', 'squareAvg', 'momentumBuffer'], ['param', 'squareAvg', 'momentumBuffer'], rmspropBody(false, true)],
  [
    'RmspropCenteredMomentumStep',
    ['param', 'grad', 'squareAvg', 'gradAvg', 'momentumBuffer'],
    ['param', 'squareAvg', 'gradAvg', 'momentumBuffer'],
    rmspropBody(true, true),
  ],
  ['AdadeltaStep', ['param', 'grad', 'squareAvg', 'accDelta'], ['param', 'squareAvg', 'accDelta'], adadelta],
  ['AdamaxStep', ['param', 'grad', 'expAvg', 'expInf'], ['param', 'expAvg', 'expInf'], adamax],
  ['NadamStep', ['param', 'grad', 'expAvg', 'expAvgSq'], ['param', 'expAvg', 'expAvgSq'], nadam],
  ['RadamStep', ['param', 'grad', 'expAvg', 'expAvgSq'], ['param', 'expAvg', 'expAvgSq'], radam],
  ['LionStep', ['param', 'grad', 'expAvg'], ['param', 'expAvg'], lion],
];

let registered = false;

/**
 * Registers the plain-JS kernels of every optim op for tfjs's `cpu` backend.
 * Optimizers call it on their first step on cpu; call it yourself to test them.
 */
export function registerCpuKernels(): void {
  for (const [name, inputs, outputs, body] of kernels) registerFusedKernel(name, 'cpu', kernel(inputs, outputs, body));
  registered = true;
}

/** Registers the cpu kernels once, when the active backend is cpu. */
export function ensureCpuKernels(): void {
  if (!registered && tf.getBackend() === 'cpu') registerCpuKernels();
}
