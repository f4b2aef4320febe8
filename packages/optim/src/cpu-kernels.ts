import * as tf from '@tensorflow/tfjs-core';
import { registerFusedKernel, type FusedAttrs, type FusedKernelArgs } from '@descent/core';

// Plain-JS kernels for tfjs's cpu backend: one tight loop per parameter over
// the backend's typed arrays, in the order KERNELS.md fixes. Attributes and
// new state values are rounded to float32; other intermediates stay in float64
// (a Math.fround per operation would double the time of a step, and only moves
// results by an ulp). Outputs are new tensors, on new or recycled arrays (see
// CpuStateRecycler): inputs are never written.

interface CpuBackend {
  data: { get(dataId: object): { values?: unknown } | undefined; has(dataId: object): boolean };
  readSync(dataId: object): unknown;
  makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo;
}


function read(backend: CpuBackend, t: tf.TensorInfo): Float32Array {
  const values = backend.data.get(t.dataId)?.values ?? backend.readSync(t.dataId);
  return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
}

/** Arrays a kernel call allocated (or drew from a recycler) and nobody has seen yet. */
const fresh = new WeakSet<Float32Array>();
/** The recycler of the optimizer whose update is running, if any (see {@link CpuStateRecycler.run}). */
let active: CpuStateRecycler | null = null;

/**
 * Hands the arrays of an optimizer's own old state tensors (moments, buffers)
 * back to the cpu kernels as output arrays, so a step writes into memory that is
 * already mapped instead of faulting in fresh pages (a 10M-param Adam step went
 * from ~150 to ~100 ms with it). Outputs are still new tensors; only arrays
 * nobody else can reach are reused. A kernel may hand a spare array to any
 * output, the param's included: the param's array then leaves the cycle (the
 * user may `dataSync()` it), so each step still allocates one array. An array is recycled when all of these hold:
 * - a cpu kernel allocated it for a state output of this optimizer's own update
 *   ({@link adopt} right after the call), never a param output or a user's array;
 * - it was never handed out: `stateDict()` and `getWeights()` {@link expose} the
 *   state they return, and reading the optimizer's `state` map turns recycling
 *   off for good ({@link disable}), since a caller may then keep its tensors or
 *   their `dataSync()` arrays (the cpu backend's own arrays);
 * - when the optimizer disposed the old tensor, no other tensor still shared its
 *   data (`clone()`, `tf.variable()`, `reshape()` share it): the backend freed it.
 * The spare arrays of one step (one per recycled state tensor) are kept until
 * the next, so between steps the optimizer holds about one more copy of its
 * state (memory that, without recycling, would wait for the garbage collector);
 * {@link clear} (and the optimizer's `dispose()`) drops them.
 */
export class CpuStateRecycler {
  private readonly spare = new Map<number, Float32Array[]>();
  private readonly owned = new WeakSet<Float32Array>();
  private enabled = true;

  /** Runs `fn` (one fused op call) with this recycler's spare arrays offered to the cpu kernels. */
  run<T>(fn: () => T): T {
    if (!this.enabled) return fn();
    const previous = active;
    active = this;
    try {
      return fn();
    } finally {
      active = previous;
    }
  }

  /** A spare array of length `n`, or undefined. */
  take(n: number): Float32Array | undefined {
    return this.spare.get(n)?.pop();
  }

  /** Claims a state tensor that the op call inside {@link run} just returned. */
  adopt(t: tf.Tensor): void {
    if (!this.enabled) return;
    const values = cpuValues(t);
    if (values && fresh.delete(values)) this.owned.add(values);
  }

  /** The user may now hold `t` (and read its array): never recycle its array. */
  expose(t: tf.Tensor): void {
    const values = cpuValues(t);
    if (values) this.owned.delete(values);
  }

  /** Disposes an old state tensor the optimizer held, keeping its array when it is recyclable. */
  dispose(t: tf.Tensor): void {
    const values = this.enabled ? cpuValues(t) : undefined;
    t.dispose();
    if (!values || !this.owned.has(values)) return;
    this.owned.delete(values);
    // Still in the backend: another tensor shares the data.
    if ((tf.backend() as unknown as CpuBackend).data.has(t.dataId)) return;
    let list = this.spare.get(values.length);
    if (!list) this.spare.set(values.length, (list = []));
    list.push(values);
  }

  /** Recycles nothing from now on, and drops the spare arrays. */
  disable(): void {
    this.enabled = false;
    this.clear();
  }

  /** Drops the spare arrays (they are garbage-collected). */
  clear(): void {
    this.spare.clear();
  }
}

/** The cpu backend's own array behind `t`, when `t` lives on the active cpu backend. */
function cpuValues(t: tf.Tensor): Float32Array | undefined {
  if (t.isDisposed || t.dtype !== 'float32' || tf.getBackend() !== 'cpu') return undefined;
  const values = (tf.backend() as unknown as CpuBackend).data.get(t.dataId)?.values;
  return values instanceof Float32Array ? values : undefined;
}

/** An output array: a recycled one when the running optimizer has one spare, else a new one. */
function outputArray(n: number, inputs: Arrays): Float32Array {
  const spare = active?.take(n);
  // Defensive: a recycled array must never alias an input (it cannot, by the rules above).
  const aliased = spare !== undefined && Object.values(inputs).some((x) => x.buffer === spare.buffer);
  const out = spare !== undefined && !aliased ? spare : new Float32Array(n);
  fresh.add(out);
  return out;
}

type Arrays = Record<string, Float32Array>;
/**
 * A kernel body: reads `x`, fills `out` (arrays of the param's length, recycled
 * ones included: a body must write every element of every output).
 */
type Body = (x: Arrays, out: Arrays, n: number, a: FusedAttrs) => void;

function kernel(inputs: readonly string[], outputs: readonly string[], body: Body) {
  return ({ inputs: ins, attrs, backend }: FusedKernelArgs<string>): tf.TensorInfo[] => {
    const be = backend as unknown as CpuBackend;
    const x: Arrays = {};
    for (const name of inputs) x[name] = read(be, ins[name]);
    const n = x.param.length;
    const out: Arrays = {};
    for (const name of outputs) out[name] = outputArray(n, x);
    body(x, out, n, attrs);
    return outputs.map((name) => be.makeTensorInfo([...ins.param.shape], 'float32', out[name]));
  };
}

const f = (a: FusedAttrs, key: string): number => Math.fround(a[key] as number);
/** Rounds a value torch stores as a float32 tensor (a moment, an average) before it is reused. */
const R = Math.fround;

/** `g` of KERNELS.md: sign flip and L2 weight decay. */
function gradFn(a: FusedAttrs): (g: number, p: number) => number {
  const wd = f(a, 'weightDecay');
  const sign = a.maximize ? -1 : 1;
  return wd !== 0 ? (g, p) => R(sign * g + wd * p) : (g) => sign * g;
}

const sgd: Body = (x, out, n, a) => {
  const lr = f(a, 'lr');
  const G = gradFn(a);
  const { param, grad } = x;
  for (let i = 0; i < n; i++) out.param[i] = param[i] - (lr * G(grad[i], param[i]));
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
    const b = init ? g : ((momentumBuffer[i] * mu) + (damp * g));
    const d = nesterov ? (g + (mu * b)) : b;
    out.momentumBuffer[i] = b;
    out.param[i] = param[i] - (lr * d);
  }
};

// Adam is the hottest kernel. `(stepSize * m) / (sqrt(v) / bc2 + eps)` is computed
// as `(stepSize * bc2) * m / (sqrt(v) + eps * bc2)`: one division fewer, and in
// float64 the two differ by a few float64 ulps, far below the float32 rounding
// of p'. Loops are plain functions with every flag hoisted out (a flag read
// from a closure costs ~15% here), and call Math.fround by name (through the
// module-level alias R, TurboFan's first compile re-checks R every element).

/** Adam and AdamW without L2 decay or amsgrad (AdamW, and Adam's default). */
function adamPlain(x: Arrays, out: Arrays, n: number, a: FusedAttrs): void {
  const scale = f(a, 'paramScale');
  const b1 = f(a, 'beta1');
  const b2 = f(a, 'beta2');
  const c2 = f(a, 'oneMinusBeta2');
  const bc2 = f(a, 'biasCorrection2Sqrt');
  const k = f(a, 'stepSize') * bc2;
  const e = f(a, 'eps') * bc2;
  // maximize: g = -grad. Only m' sees the sign; v' has (c2 * g) * g either way (negation is exact).
  const c1 = a.maximize ? -f(a, 'oneMinusBeta1') : f(a, 'oneMinusBeta1');
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
function adamGeneral(x: Arrays, out: Arrays, n: number, a: FusedAttrs, amsgrad: boolean): void {
  const wd = f(a, 'weightDecay');
  const sign = a.maximize ? -1 : 1;
  const scale = f(a, 'paramScale');
  const b1 = f(a, 'beta1');
  const c1 = f(a, 'oneMinusBeta1');
  const b2 = f(a, 'beta2');
  const c2 = f(a, 'oneMinusBeta2');
  const bc2 = f(a, 'biasCorrection2Sqrt');
  const k = f(a, 'stepSize') * bc2;
  const e = f(a, 'eps') * bc2;
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

const adam: Body = (x, out, n, a) => (f(a, 'weightDecay') === 0 ? adamPlain(x, out, n, a) : adamGeneral(x, out, n, a, false));
const adamAmsgrad: Body = (x, out, n, a) => adamGeneral(x, out, n, a, true);

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
    const g = (grad[i] / div);
    const m = R(((expAvg[i] * b1) + (b3 * g)));
    const v = R(((expAvgSq[i] * b2) + ((c2 * g) * g)));
    let up = ((m / bc1) / (((Math.sqrt(v)) / bc2) + eps));
    if (wd !== 0) up = (up + (wd * p));
    out.expAvg[i] = m;
    out.expAvgSq[i] = v;
    u[i] = up;
    wSq += p * p;
    uSq += up * up;
  }
  let ratio = 1;
  if (a.adapt) {
    const w = (Math.sqrt(wSq));
    const un = (Math.sqrt(uSq));
    ratio = w > 0 && un > 0 ? (w / un) : 1;
    if (a.trustClip) ratio = Math.min(ratio, 1);
  }
  // Pass 2: apply.
  for (let i = 0; i < n; i++) u[i] = param[i] - (lr * (u[i] * ratio));
};

const adagrad: Body = (x, out, n, a) => {
  const G = gradFn(a);
  const clr = f(a, 'clr');
  const eps = f(a, 'eps');
  const { param, grad, sum } = x;
  for (let i = 0; i < n; i++) {
    const p = param[i];
    const g = G(grad[i], p);
    const s = (sum[i] + (g * g));
    out.sum[i] = s;
    out.param[i] = p - ((clr * g) / ((Math.sqrt(s)) + eps));
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
      const sq = R(((squareAvg[i] * alpha) + ((c * g) * g)));
      out.squareAvg[i] = sq;
      let avg: number;
      if (centered) {
        const ga = R(((gradAvg[i] * alpha) + (c * g)));
        out.gradAvg[i] = ga;
        // Variance by cancellation: round as torch does, or the error is amplified.
        avg = Math.sqrt(R(sq - R(ga * ga))) + eps;
      } else {
        avg = ((Math.sqrt(sq)) + eps);
      }
      if (momentum) {
        const b = ((momentumBuffer[i] * mu) + (g / avg));
        out.momentumBuffer[i] = b;
        out.param[i] = p - (lr * b);
      } else {
        out.param[i] = p - ((lr * g) / avg);
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
    const sq = R(((squareAvg[i] * rho) + ((c * g) * g)));
    const std = (Math.sqrt((sq + eps)));
    const delta = R((((Math.sqrt((accDelta[i] + eps))) / std) * g));
    out.squareAvg[i] = sq;
    out.accDelta[i] = ((accDelta[i] * rho) + ((c * delta) * delta));
    out.param[i] = p - (lr * delta);
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
    const m = R(((expAvg[i] * b1) + (c1 * g)));
    const u = Math.max((expInf[i] * b2), (Math.abs(g) + eps));
    out.expAvg[i] = m;
    out.expInf[i] = u;
    out.param[i] = p - ((clr * m) / u);
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
    const m = R(((expAvg[i] * b1) + (c1 * g)));
    const v = R(((expAvgSq[i] * b2) + ((c2 * g) * g)));
    const denom = ((Math.sqrt((v / bc2))) + eps);
    const p1 = (p - ((gc * g) / denom));
    out.expAvg[i] = m;
    out.expAvgSq[i] = v;
    out.param[i] = p1 - ((ac * m) / denom);
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
    const m = R(((expAvg[i] * b1) + (c1 * g)));
    const v = R(((expAvgSq[i] * b2) + ((c2 * g) * g)));
    let u = ((m / bc1) * lr);
    if (rectify) u = ((u * ((1 / ((Math.sqrt(v)) + eps)) * bc2)) * rect);
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
    const m = R(expAvg[i]);
    const g = grad[i];
    const c = ((m * b1) + (c1 * g));
    out.param[i] = (param[i] * scale) - (lr * Math.sign(c));
    out.expAvg[i] = ((m * b2) + (c2 * g));
  }
};

/** Every optim op's cpu kernel: name, input order, output order, body. */
const kernels: Array<[string, string[], string[], Body]> = [
  ['SgdStep', ['param', 'grad'], ['param'], sgd],
  ['SgdMomentumStep', ['param', 'grad', 'momentumBuffer'], ['param', 'momentumBuffer'], sgdMomentum],
  ['AdamStep', ['param', 'grad', 'expAvg', 'expAvgSq'], ['param', 'expAvg', 'expAvgSq'], adam],
  ['AdamAmsgradStep', ['param', 'grad', 'expAvg', 'expAvgSq', 'maxExpAvgSq'], ['param', 'expAvg', 'expAvgSq', 'maxExpAvgSq'], adamAmsgrad],
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
