import * as tf from '@tensorflow/tfjs-core';
import { declaredShape, fusedOps, InvalidArgumentError, isHostTensor, type AttrsOf, type HostTensor } from '@descent/core';
import { Optimizer, type BaseOptions, type OptimizerStateDict, type ParamGroup, type Params, type StepEntry } from './optimizer.js';
import { FLOAT32_EPS, isFactored } from './functional/adafactor.js';
import { adafactorFactoredStep, adafactorStep } from './ops/adafactor.js';

export interface AdafactorOptions extends BaseOptions {
  /** The decay rate of β₂: `1 − β₂ₜ = t^beta2Decay` (default −0.8). */
  beta2Decay: number;
  /**
   * `[eps1, eps2]` (default `[null, 1e-3]`): eps1 keeps the second moment away from 0
   * (`null`: float32's machine epsilon), eps2 is the smallest parameter RMS the step scales with.
   */
  eps: [number | null, number];
  /** The clipping threshold of the update's RMS (default 1). */
  d: number;
  /** Decoupled weight decay, `p ← p·(1 − lr·wd)` (default 0). */
  weightDecay: number;
  maximize: boolean;
}

/** The attributes of an Adafactor update at the parameter's step `step` (1-based), torch 2.5's scalars in float64. */
export function adafactorAttrs(
  o: Pick<AdafactorOptions, 'lr' | 'beta2Decay' | 'eps' | 'd' | 'weightDecay' | 'maximize'>,
  step: number,
): AttrsOf<typeof fusedOps.AdafactorStep> {
  const eps1 = o.eps[0] ?? FLOAT32_EPS;
  return {
    maximize: o.maximize,
    oneMinusBeta2: step ** o.beta2Decay,
    rho: Math.min(o.lr, 1 / step ** 0.5),
    eps1,
    eps1Sq: eps1 * eps1,
    eps2: o.eps[1],
    d: o.d,
    paramScale: 1 - o.lr * o.weightDecay,
  };
}

/** A factor's shape, as the fused op declares it (`rowVar` `[..., n, 1]`, `colVar` `[..., 1, m]`). */
function factorShape(name: 'rowVar' | 'colVar', shape: readonly number[]): number[] {
  return declaredShape(fusedOps.AdafactorFactoredStep, name, shape);
}

function fail(parameter: string, value: unknown, message: string): never {
  throw new InvalidArgumentError(parameter, value, message);
}

const FACTOR_KEYS = ['rowVar', 'colVar'] as const;

/**
 * torch.optim.Adafactor (PyTorch 2.5; Shazeer & Stern 2018): second moments
 * factored into row and column means for every parameter of rank ≥ 2 (memory
 * O(n + m) per matrix instead of O(n·m)), a relative step size, update clipping,
 * and no first moment. As in torch, `lr` caps the relative step `min(lr, 1/√t)`
 * and scales the decoupled weight decay.
 *
 * Per-parameter state: `step`, and `rowVar` (`[..., n, 1]`) with `colVar`
 * (`[..., 1, m]`), or `variance` for vectors and scalars.
 */
export class Adafactor extends Optimizer<AdafactorOptions> {
  static className = 'Descent.Adafactor';
  constructor(params?: Params<AdafactorOptions>, options: Partial<AdafactorOptions> = {}) {
    super(params, { lr: 1e-2, beta2Decay: -0.8, eps: [null, 1e-3], d: 1.0, weightDecay: 0.0, maximize: false, fused: null, ...options });
  }

  protected validate(o: Partial<AdafactorOptions>): void {
    // torch 2.5's checks and words.
    if (o.lr !== undefined && !(typeof o.lr === 'number' && o.lr >= 0)) fail('lr', o.lr, `Learning rate should be >= 0 but is: ${o.lr}`);
    if (o.beta2Decay !== undefined && !(typeof o.beta2Decay === 'number' && o.beta2Decay <= 0)) fail('beta2Decay', o.beta2Decay, `beta2_decay should be <= 0 but is: ${o.beta2Decay}`);
    if (o.eps !== undefined) {
      if (!Array.isArray(o.eps) || o.eps.length !== 2) fail('eps', o.eps, `Invalid eps: ${JSON.stringify(o.eps)} (expected [eps1 | null, eps2])`);
      const [eps1, eps2] = o.eps;
      if (eps1 !== null && !(typeof eps1 === 'number' && eps1 >= 0)) fail('eps', o.eps, `epsilon1 should be >= 0 but is: ${eps1}`);
      if (!(typeof eps2 === 'number' && eps2 >= 0)) fail('eps', o.eps, `epsilon2 should be >= 0 but is: ${eps2}`);
    }
    if (o.d !== undefined && !(typeof o.d === 'number' && o.d >= 1)) fail('d', o.d, `Clipping threshold d should be >= 1 but is: ${o.d}`);
    if (o.weightDecay !== undefined && !(typeof o.weightDecay === 'number' && o.weightDecay >= 0)) {
      fail('weightDecay', o.weightDecay, `weight_decay should be >= 0 but is: ${o.weightDecay}`);
    }
  }

  protected stepGroup(group: ParamGroup<AdafactorOptions>, entries: StepEntry[]): void {
    for (const e of entries) {
      const s = e.state;
      if (s.step === undefined) {
        s.step = 0;
        if (isFactored(e.param.shape)) {
          s.rowVar = tf.keep(tf.zeros(factorShape('rowVar', e.param.shape)));
          s.colVar = tf.keep(tf.zeros(factorShape('colVar', e.param.shape)));
        } else {
          s.variance = tf.keep(tf.zerosLike(e.param));
        }
      }
      const step = (s.step as number) + 1;
      s.step = step;
      const attrs = adafactorAttrs(group, step);
      if (s.rowVar) {
        const inputs = () => ({ param: e.param, grad: e.grad, rowVar: s.rowVar as tf.Tensor, colVar: s.colVar as tf.Tensor });
        this.runUpdate(adafactorFactoredStep, group, e, inputs, attrs, ['rowVar', 'colVar']);
      } else {
        this.runUpdate(adafactorStep, group, e, () => ({ param: e.param, grad: e.grad, variance: s.variance as tf.Tensor }), attrs, ['variance']);
      }
    }
  }

  /**
   * As every optimizer's, with the factored moments' own shapes checked
   * (`rowVar` `[..., n, 1]`, `colVar` `[..., 1, m]`) where the base checks the
   * parameter's; everything is checked before anything changes.
   */
  override loadStateDict(stateDict: OptimizerStateDict): void {
    const byId = new Map<number, tf.Variable>();
    (stateDict?.paramGroups ?? []).forEach((g, i) => g?.params?.forEach((id, j) => this.paramGroups[i]?.params[j] && byId.set(id, this.paramGroups[i].params[j])));
    const rest: OptimizerStateDict['state'] = {};
    const factors = new Map<string, Partial<Record<(typeof FACTOR_KEYS)[number], tf.Tensor | HostTensor>>>();
    for (const [id, entry] of Object.entries(stateDict?.state ?? {})) {
      const { rowVar, colVar, ...others } = entry;
      rest[id] = others;
      if (rowVar === undefined && colVar === undefined) continue;
      const param = byId.get(Number(id));
      if (param && (rowVar === undefined || colVar === undefined || !isFactored(param.shape))) {
        fail('stateDict', id, `loaded state of parameter ${id} (${param.name}, shape [${param.shape.join(', ')}]) needs ${isFactored(param.shape) ? 'both rowVar and colVar' : 'variance, not rowVar/colVar'}`);
      }
      if (param) {
        for (const [key, value] of [['rowVar', rowVar], ['colVar', colVar]] as const) {
          const shape = factorShape(key, param.shape);
          const ok = (value instanceof tf.Tensor || isHostTensor(value)) && tf.util.arraysEqual(value.shape, shape);
          if (!ok) fail('stateDict', value, `loaded state "${key}" of parameter ${id} must be a tensor of shape [${shape.join(', ')}] for ${param.name} [${param.shape.join(', ')}]`);
        }
      }
      factors.set(id, { rowVar: rowVar as tf.Tensor | HostTensor, colVar: colVar as tf.Tensor | HostTensor });
    }
    // Copy first: the dict may hold this optimizer's own live tensors, which the base frees.
    const copies = new Map<string, Record<string, tf.Tensor>>();
    for (const [id, f] of factors) {
      copies.set(id, Object.fromEntries(FACTOR_KEYS.map((k) => [k, tf.keep(f[k] instanceof tf.Tensor ? tf.clone(f[k] as tf.Tensor) : tf.tensor((f[k] as HostTensor).data, (f[k] as HostTensor).shape, 'float32'))])));
    }
    try {
      super.loadStateDict({ ...stateDict, state: rest });
    } catch (error) {
      for (const c of copies.values()) tf.dispose(Object.values(c));
      throw error;
    }
    for (const [id, c] of copies) Object.assign(this.stateOf(byId.get(Number(id))!), c);
  }
}
