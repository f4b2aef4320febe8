import * as tf from '@tensorflow/tfjs-core';
import { DescentError, InvalidArgumentError, isHostTensor, type HostTensor } from '@descent/core';
import { Optimizer, type BaseOptions, type NamedTensor, type OptimizerStateDict, type ParamGroup, type Params, type StepEntry } from './optimizer.js';
import { checkNoFusedKernel } from './composite-step.js';
import { strongWolfe } from './functional/strong-wolfe.js';
import { TorchScalar } from './functional/torch-scalar.js';
import { checkLr } from './validate.js';

export interface LBFGSOptions extends BaseOptions {
  /** Iterations per `step()` (default 20). */
  maxIter: number;
  /** Closure evaluations per `step()` (default `floor(maxIter · 5 / 4)`). */
  maxEval: number;
  /** Stop when every gradient element is at most this in magnitude (default 1e-7). */
  toleranceGrad: number;
  /** Stop when the loss or the step changes by less than this (default 1e-9). */
  toleranceChange: number;
  /** Update pairs kept (default 100). */
  historySize: number;
  /** `'strong_wolfe'` (or `'strongWolfe'`) for a line search, `null` (default) for a fixed step of `lr`. */
  lineSearchFn: 'strong_wolfe' | 'strongWolfe' | null;
}

/** What `LBFGS.step` calls, maybe several times: it recomputes the loss of the current parameters. */
export type LBFGSClosure = () => tf.Scalar;

const GROUPS_MESSAGE = "LBFGS doesn't support per-parameter options (parameter groups)";

function fail(parameter: string, value: unknown, message: string): never {
  throw new InvalidArgumentError(parameter, value, message);
}

function checkCount(parameter: string, label: string, value: unknown): void {
  if (value !== undefined && !(Number.isInteger(value) && (value as number) > 0)) fail(parameter, value, `Invalid ${label} value: ${value} (expected an integer > 0)`);
}

/** One host read of the scalars `compute` returns (one sync on webgpu); everything it makes, and `consumed`, is disposed. */
async function read(compute: () => tf.Tensor[], ...consumed: tf.Tensor[]): Promise<number[]> {
  const packed = tf.tidy(() => tf.stack(compute()));
  tf.dispose(consumed);
  try {
    return Array.from(await packed.data());
  } finally {
    packed.dispose();
  }
}

const maxAbs = (x: tf.Tensor) => tf.max(tf.abs(x));
/** torch compares a float32 tensor with a Python float in float32. */
const f32 = Math.fround;

/**
 * torch.optim.LBFGS (1.13), after minFunc: a limited-memory BFGS direction from
 * the last `historySize` update pairs, then a fixed step of `lr` or a strong-Wolfe
 * line search; up to `maxIter` iterations per `step`.
 *
 * `step(closure)` takes a function that recomputes the loss (a scalar tensor);
 * LBFGS computes its gradients with respect to the parameters itself, evaluates
 * it as often as it needs, and resolves to the loss of the first evaluation, as
 * torch returns it. It is async because it reads scalars back at every iteration,
 * which webgpu does asynchronously. One param group only, as torch.
 *
 * All LBFGS state is global (torch keeps it under the first parameter, and the
 * state dict does too: `state['0']`, with the history as `[k, numel]` tensors).
 */
export class LBFGS extends Optimizer<LBFGSOptions> {
  static className = 'Descent.LBFGS';
  /** No fused kernel: LBFGS works on the whole flattened parameter vector. */
  static readonly fusedKernels = false;

  /** torch's `func_evals` and `n_iter`: closure evaluations and iterations over every step so far. */
  funcEvals = 0;
  nIter = 0;
  private d: tf.Tensor1D | null = null;
  private t: number | null = null;
  private oldDirs: tf.Tensor1D[] = [];
  private oldStps: tf.Tensor1D[] = [];
  /** `1 / (yᵀs)` per pair: 0-dim float32 tensors, as torch's. */
  private ro: tf.Scalar[] = [];
  private hDiag = 1;
  private prevFlatGrad: tf.Tensor1D | null = null;
  private prevLoss: number | null = null;
  /** Tensors made for the last `stateDict()` (the stacked history), freed at the next step. */
  private exported: tf.Tensor[] = [];

  constructor(params: Params<LBFGSOptions>, options: Partial<LBFGSOptions> = {}) {
    const { maxIter = 20, maxEval, ...rest } = options;
    super(LBFGS.required(params), {
      lr: 1,
      maxIter,
      maxEval: maxEval ?? Math.floor((maxIter * 5) / 4),
      toleranceGrad: 1e-7,
      toleranceChange: 1e-9,
      historySize: 100,
      lineSearchFn: null,
      fused: null,
      ...rest,
    });
  }

  private static required(params: Params<LBFGSOptions>): Params<LBFGSOptions> {
    if (params === undefined) throw new InvalidArgumentError('params', params, 'LBFGS needs its parameters: new LBFGS(params, options)');
    return params;
  }

  protected validate(o: Partial<LBFGSOptions>): void {
    checkLr(o.lr);
    checkCount('maxIter', 'max_iter', o.maxIter);
    checkCount('maxEval', 'max_eval', o.maxEval);
    checkCount('historySize', 'history_size', o.historySize);
    for (const [key, label] of [['toleranceGrad', 'tolerance_grad'], ['toleranceChange', 'tolerance_change']] as const) {
      const v = o[key];
      if (v !== undefined && !(typeof v === 'number' && v >= 0)) fail(key, v, `Invalid ${label} value: ${v}`);
    }
    const ls = o.lineSearchFn;
    if (ls !== undefined && ls !== null && ls !== 'strong_wolfe' && ls !== 'strongWolfe') fail('lineSearchFn', ls, "only 'strong_wolfe' is supported");
    checkNoFusedKernel('LBFGS', o.fused);
  }

  override addParamGroup(group: { params: tf.Variable[] | tf.Variable } & Partial<LBFGSOptions>): void {
    if (this.paramGroups.length > 0) throw new InvalidArgumentError('params', group, GROUPS_MESSAGE);
    super.addParamGroup(group);
  }

  /** Unused: {@link LBFGS.step} runs the whole iteration. */
  protected stepGroup(_group: ParamGroup<LBFGSOptions>, _entries: StepEntry[]): void {}

  private get params(): tf.Variable[] {
    return this.paramGroups[0].params;
  }

  /** The loss and the flat gradient `[numel]` at the current parameters (zeros where a parameter gets none). */
  private async evaluate(closure: LBFGSClosure): Promise<{ loss: tf.Scalar; flatGrad: tf.Tensor1D }> {
    const params = this.params;
    const { value, grads } = tf.variableGrads(closure, params);
    const flatGrad = tf.tidy(() => tf.concat(params.map((p) => (grads[p.name] ? tf.reshape(grads[p.name], [-1]) : tf.zeros([p.size])))) as tf.Tensor1D);
    tf.dispose(Object.values(grads));
    return { loss: value, flatGrad };
  }

  /** torch's `_add_grad`: `p += step · update[slice]` for every parameter. */
  private addGrad(step: number, update: tf.Tensor1D): void {
    let offset = 0;
    tf.tidy(() => {
      for (const p of this.params) {
        p.assign(tf.add(p, tf.mul(tf.reshape(tf.slice(update, [offset], [p.size]), p.shape), step)));
        offset += p.size;
      }
    });
  }

  /** The L-BFGS two-loop recursion: `d = −H·g` from the history, on the device. */
  private direction(flatGrad: tf.Tensor1D): tf.Tensor1D {
    return tf.tidy(() => {
      const n = this.oldDirs.length;
      const al: tf.Tensor[] = new Array(n);
      let q: tf.Tensor = tf.neg(flatGrad);
      for (let i = n - 1; i >= 0; i--) {
        al[i] = tf.mul(tf.dot(this.oldStps[i], q), this.ro[i]);
        q = tf.sub(q, tf.mul(this.oldDirs[i], al[i]));
      }
      let r = tf.mul(q, this.hDiag);
      for (let i = 0; i < n; i++) {
        const be = tf.mul(tf.dot(this.oldDirs[i], r), this.ro[i]);
        r = tf.add(r, tf.mul(this.oldStps[i], tf.sub(al[i], be)));
      }
      return r as tf.Tensor1D;
    });
  }

  /**
   * torch's `LBFGS.step(closure)`. Resolves to the loss of the closure's first
   * evaluation (a number).
   */
  override async step(closure: LBFGSClosure | tf.NamedTensorMap): Promise<number> {
    if (typeof closure !== 'function') {
      throw new InvalidArgumentError('closure', closure, 'LBFGS.step() needs a closure that recomputes the loss: await optimizer.step(() => loss()) (torch: optimizer.step(closure))');
    }
    tf.dispose(this.exported);
    this.exported = [];
    const group = this.paramGroups[0];
    const { lr, maxIter, maxEval, toleranceGrad, toleranceChange, historySize } = group;
    const lineSearch = group.lineSearchFn !== null;

    // evaluate initial f(x) and df/dx
    let evaluated = await this.evaluate(closure);
    let flatGrad = evaluated.flatGrad;
    const [origLoss, gradMax] = await read(() => [evaluated.loss, maxAbs(flatGrad)], evaluated.loss);
    let loss = origLoss;
    let currentEvals = 1;
    this.funcEvals += 1;
    let optCond = gradMax <= f32(toleranceGrad);
    if (optCond) {
      flatGrad.dispose();
      this.incrementIterations();
      return origLoss;
    }

    let nIter = 0;
    try {
      while (nIter < maxIter) {
        nIter++;
        this.nIter++;

        // compute the descent direction
        if (this.nIter === 1) {
          this.replace('d', tf.keep(tf.neg(flatGrad)));
          this.clearHistory();
          this.hDiag = 1;
        } else {
          const y = tf.keep(tf.sub(flatGrad, this.prevFlatGrad!));
          const s = tf.keep(tf.mul(this.d!, this.t!));
          const [ys, yy] = await read(() => [tf.dot(y, s), tf.dot(y, y)]);
          if (ys > f32(1e-10)) {
            // update the memory
            if (this.oldDirs.length === historySize) {
              this.oldDirs.shift()!.dispose();
              this.oldStps.shift()!.dispose();
              this.ro.shift()!.dispose();
            }
            this.oldDirs.push(y as tf.Tensor1D);
            this.oldStps.push(s as tf.Tensor1D);
            this.ro.push(tf.scalar(Math.fround(1 / ys)));
            this.hDiag = Math.fround(ys / yy);
          } else {
            tf.dispose([y, s]);
          }
          this.replace('d', tf.keep(this.direction(flatGrad)));
        }
        this.replace('prevFlatGrad', tf.keep(tf.clone(flatGrad)));
        this.prevLoss = loss;

        // step length: a first guess. torch: min(1., 1. / flat_grad.abs().sum()) * lr, a tensor when the sum exceeds 1
        let t = TorchScalar.float(lr);
        if (this.nIter === 1) {
          const [sumAbs] = await read(() => [tf.sum(tf.abs(flatGrad))]);
          const inv = TorchScalar.f32(1 / sumAbs);
          t = TorchScalar.min(TorchScalar.float(1), inv).mul(lr);
        }
        this.t = t.value;
        const d = this.d!;
        const [gtd, dNorm] = await read(() => [tf.dot(flatGrad, d), lineSearch ? maxAbs(d) : tf.scalar(0)]);
        // the directional derivative is below tolerance
        if (gtd > f32(-toleranceChange)) break;

        let lsFuncEvals = 0;
        let moved: number;
        if (lineSearch) {
          const xInit = this.params.map((p) => tf.keep(tf.clone(p)));
          try {
            const evaluate = async (t: number) => {
              this.addGrad(t, d);
              const r = await this.evaluate(closure);
              const [f, gtdNew] = await read(() => [r.loss, tf.dot(r.flatGrad, d)], r.loss);
              this.params.forEach((p, i) => p.assign(xInit[i]));
              return { f, g: tf.keep(r.flatGrad), gtd: gtdNew };
            };
            const ls = await strongWolfe(evaluate, t, dNorm, loss, flatGrad, gtd);
            flatGrad.dispose();
            ({ f: loss, g: flatGrad, evals: lsFuncEvals } = ls);
            this.t = ls.t.value;
          } finally {
            tf.dispose(xInit);
          }
          this.addGrad(this.t, d);
          [moved, optCond] = await this.progress(flatGrad, toleranceGrad);
        } else {
          // no line search: move with a fixed step
          this.addGrad(this.t, d);
          if (nIter !== maxIter) {
            // re-evaluate only if this is not the last iteration: stochastic losses gain nothing from it
            flatGrad.dispose();
            evaluated = await this.evaluate(closure);
            flatGrad = evaluated.flatGrad;
            [loss] = await read(() => [evaluated.loss], evaluated.loss);
            lsFuncEvals = 1;
            [moved, optCond] = await this.progress(flatGrad, toleranceGrad);
          } else {
            moved = Infinity; // not read: the loop ends at maxIter
          }
        }
        currentEvals += lsFuncEvals;
        this.funcEvals += lsFuncEvals;

        // check conditions
        if (nIter === maxIter) break;
        if (currentEvals >= maxEval) break;
        if (optCond) break;
        // lack of progress
        if (moved <= f32(toleranceChange)) break;
        if (Math.abs(loss - this.prevLoss) < toleranceChange) break;
      }
    } finally {
      flatGrad.dispose();
    }
    this.incrementIterations();
    return origLoss;
  }

  /** `max|d·t|` (how far the step moved) and whether `max|g| <= toleranceGrad`, in one read. */
  private async progress(flatGrad: tf.Tensor1D, toleranceGrad: number): Promise<[number, boolean]> {
    const [moved, gradMax] = await read(() => [maxAbs(tf.mul(this.d!, this.t!)), maxAbs(flatGrad)]);
    return [moved, gradMax <= f32(toleranceGrad)];
  }

  private replace(key: 'd' | 'prevFlatGrad', next: tf.Tensor1D): void {
    const old = this[key];
    this[key] = next;
    if (old && old !== next) old.dispose();
  }

  private clearHistory(): void {
    tf.dispose([...this.oldDirs, ...this.oldStps, ...this.ro]);
    this.oldDirs = [];
    this.oldStps = [];
    this.ro = [];
  }

  /** LBFGS has no tfjs `applyGradients` form: it must evaluate the loss itself. */
  override applyGradients(_grads: tf.NamedTensorMap | NamedTensor[]): void {
    throw new DescentError('LBFGS needs a closure, not gradients: await optimizer.step(() => loss()). It cannot run inside model.fit or minimize().');
  }

  override minimize(_f: () => tf.Scalar, _returnCost?: boolean, _varList?: tf.Variable[]): tf.Scalar | null {
    throw new DescentError('LBFGS.minimize() is not supported (LBFGS steps asynchronously): await optimizer.step(() => loss()) instead.');
  }

  /**
   * torch's layout: `{ state: { '0': { funcEvals, nIter, d, t, oldDirs, oldStps, ro, hDiag, prevFlatGrad, prevLoss } }, paramGroups }`,
   * the history stacked into `[k, numel]` tensors (`ro`: `[k]`). The tensors are valid until the next step.
   */
  override stateDict(): OptimizerStateDict {
    const sd = super.stateDict();
    tf.dispose(this.exported);
    this.exported = [];
    const numel = this.params.reduce((n, p) => n + p.size, 0);
    const entry: OptimizerStateDict['state'][string] = { funcEvals: this.funcEvals, nIter: this.nIter };
    if (this.d && this.prevFlatGrad && this.t !== null && this.prevLoss !== null) {
      const stack = (xs: tf.Tensor1D[]) => (xs.length ? tf.stack(xs) : tf.zeros([0, numel]));
      this.exported = [stack(this.oldDirs), stack(this.oldStps), this.ro.length ? tf.stack(this.ro) : tf.zeros([0])];
      const [oldDirs, oldStps, ro] = this.exported;
      Object.assign(entry, { d: this.d, t: this.t, oldDirs, oldStps, ro, hDiag: this.hDiag, prevFlatGrad: this.prevFlatGrad, prevLoss: this.prevLoss });
    }
    sd.state = { '0': entry };
    return sd;
  }

  /** torch's `load_state_dict`; every entry is checked before anything changes. */
  override loadStateDict(stateDict: OptimizerStateDict): void {
    const entry = stateDict?.state?.['0'] ?? {};
    const numel = this.params.reduce((n, p) => n + p.size, 0);
    const num = (key: string, optional = false): number | null => {
      const v = entry[key];
      if (v === undefined && optional) return null;
      if (typeof v !== 'number') fail('stateDict', v, `loaded LBFGS state "${key}" must be a number, got ${JSON.stringify(v)}`);
      return v;
    };
    const tensor = (key: string, shape: (k: number) => number[], k = 0): tf.Tensor | HostTensor => {
      const v = entry[key];
      const ok = (v instanceof tf.Tensor || isHostTensor(v)) && tf.util.arraysEqual(v.shape, shape(k));
      if (!ok) fail('stateDict', key, `loaded LBFGS state "${key}" must be a tensor of shape [${shape(k).join(', ')}] (${numel} parameters)`);
      return v as tf.Tensor | HostTensor;
    };
    const funcEvals = num('funcEvals')!;
    const nIter = num('nIter')!;
    const hasHistory = entry.d !== undefined;
    let loaded: { d: tf.Tensor1D; prevFlatGrad: tf.Tensor1D; oldDirs: tf.Tensor1D[]; oldStps: tf.Tensor1D[]; ro: tf.Scalar[]; t: number; hDiag: number; prevLoss: number } | null = null;
    if (hasHistory) {
      const k = (entry.ro as tf.Tensor | HostTensor | undefined)?.shape?.[0] ?? -1;
      const sources = {
        d: tensor('d', () => [numel]),
        prevFlatGrad: tensor('prevFlatGrad', () => [numel]),
        oldDirs: tensor('oldDirs', (n) => [n, numel], k),
        oldStps: tensor('oldStps', (n) => [n, numel], k),
        ro: tensor('ro', (n) => [n], k),
      };
      const scalars = { t: num('t')!, hDiag: num('hDiag')!, prevLoss: num('prevLoss')! };
      // Copy first: the dict may hold this optimizer's own live tensors.
      const copy = (v: tf.Tensor | HostTensor) => tf.keep(v instanceof tf.Tensor ? tf.clone(v) : tf.tensor(v.data, v.shape, 'float32'));
      const rows = <T extends tf.Tensor>(v: tf.Tensor | HostTensor) => tf.tidy(() => (k === 0 ? [] : tf.unstack(copy(v)).map((x) => tf.keep(x as T))));
      loaded = {
        d: copy(sources.d) as tf.Tensor1D,
        prevFlatGrad: copy(sources.prevFlatGrad) as tf.Tensor1D,
        oldDirs: rows<tf.Tensor1D>(sources.oldDirs),
        oldStps: rows<tf.Tensor1D>(sources.oldStps),
        ro: rows<tf.Scalar>(sources.ro),
        ...scalars,
      };
    }
    try {
      super.loadStateDict({ ...stateDict, state: {} });
    } catch (error) {
      if (loaded) tf.dispose([loaded.d, loaded.prevFlatGrad, ...loaded.oldDirs, ...loaded.oldStps, ...loaded.ro]);
      throw error;
    }
    this.clearHistory();
    tf.dispose([this.d, this.prevFlatGrad].filter((x): x is tf.Tensor1D => x !== null));
    this.funcEvals = funcEvals;
    this.nIter = nIter;
    this.d = loaded?.d ?? null;
    this.prevFlatGrad = loaded?.prevFlatGrad ?? null;
    this.oldDirs = loaded?.oldDirs ?? [];
    this.oldStps = loaded?.oldStps ?? [];
    this.ro = loaded?.ro ?? [];
    this.t = loaded?.t ?? null;
    this.hDiag = loaded?.hDiag ?? 1;
    this.prevLoss = loaded?.prevLoss ?? null;
  }

  override dispose(): void {
    this.clearHistory();
    tf.dispose([this.d, this.prevFlatGrad, ...this.exported].filter((x): x is tf.Tensor => x !== null));
    this.d = null;
    this.prevFlatGrad = null;
    this.exported = [];
    super.dispose();
  }
}
