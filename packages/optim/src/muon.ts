import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, type AttrsOf, type fusedOps } from '@descent/core';
import { Optimizer, type BaseOptions, type ParamGroup, type Params, type StepEntry } from './optimizer.js';
import { replaceState } from './composite-step.js';
import { MUON_NS_COEFFICIENTS, muonAdjustedLr, newtonSchulzIterations, type MuonAdjustLrFn } from './functional/muon.js';
import { muonApply, muonMomentum } from './ops/muon.js';

export interface MuonOptions extends BaseOptions {
  /** Decoupled weight decay, `p ← p·(1 − lr·wd)` (default 0.1). */
  weightDecay: number;
  /** Default 0.95. */
  momentum: number;
  /** Default true. */
  nesterov: boolean;
  /** The Newton-Schulz polynomial's `(a, b, c)` (default `[3.4445, -4.775, 2.0315]`). */
  nsCoefficients: [number, number, number];
  /** Added to the norm that scales the update before Newton-Schulz (default 1e-7). */
  eps: number;
  /** Newton-Schulz iterations (default 5, fewer than 100). */
  nsSteps: number;
  /**
   * How the learning rate scales with the weight's shape `[A, B]`: `'original'` (`null`, the
   * default: Keller Jordan's `√max(1, A/B)`) or `'match_rms_adamw'` (Moonshot's `0.2·√max(A, B)`,
   * which lets Muon reuse AdamW's learning rate and weight decay).
   */
  adjustLrFn: MuonAdjustLrFn | null;
}

/** The attributes of Muon's two fused ops for a `[A, B]` weight (torch 2.9's scalars, in float64). */
export function muonAttrs(
  o: Pick<MuonOptions, 'lr' | 'weightDecay' | 'momentum' | 'nesterov' | 'eps' | 'adjustLrFn'>,
  shape: readonly number[],
): { momentum: AttrsOf<typeof fusedOps.MuonMomentum>; apply: AttrsOf<typeof fusedOps.MuonApply> } {
  return {
    momentum: { oneMinusMomentum: 1 - o.momentum, momentum: o.momentum, nesterov: o.nesterov, eps: o.eps },
    apply: { paramScale: 1 - o.lr * o.weightDecay, adjustedLr: muonAdjustedLr(o.lr, o.adjustLrFn, shape) },
  };
}

function fail(parameter: string, value: unknown, message: string): never {
  throw new InvalidArgumentError(parameter, value, message);
}

/**
 * torch.optim.Muon (PyTorch 2.9): momentum (Nesterov by default), then the update
 * orthogonalized by Newton-Schulz iterations (matmuls, on the backend's matmul),
 * and decoupled weight decay. For the 2-D weights of hidden layers only: optimize
 * embeddings, heads, biases and norms with AdamW ({@link muonParamGroups} splits a
 * model's parameters that way). Newton-Schulz runs in float32 (torch: bfloat16).
 * The elementwise parts before and after it are two fused ops (`MuonMomentum`, `MuonApply`).
 */
export class Muon extends Optimizer<MuonOptions> {
  static className = 'Descent.Muon';
  constructor(params?: Params<MuonOptions>, options: Partial<MuonOptions> = {}) {
    super(params, {
      lr: 1e-3,
      weightDecay: 0.1,
      momentum: 0.95,
      nesterov: true,
      nsCoefficients: [...MUON_NS_COEFFICIENTS] as [number, number, number],
      eps: 1e-7,
      nsSteps: 5,
      adjustLrFn: null,
      fused: null,
      ...options,
    });
  }

  protected validate(o: Partial<MuonOptions>): void {
    // torch 2.9's checks and words.
    if (o.lr !== undefined && !(typeof o.lr === 'number' && o.lr >= 0)) fail('lr', o.lr, `Learning rate should be >= 0 but is: ${o.lr}`);
    if (o.momentum !== undefined && !(typeof o.momentum === 'number' && o.momentum >= 0)) fail('momentum', o.momentum, `momentum should be >= 0 but is: ${o.momentum}`);
    if (o.weightDecay !== undefined && !(typeof o.weightDecay === 'number' && o.weightDecay >= 0)) {
      fail('weightDecay', o.weightDecay, `weight decay should be >= 0 but is: ${o.weightDecay}`);
    }
    if (o.adjustLrFn !== undefined && o.adjustLrFn !== null && o.adjustLrFn !== 'original' && o.adjustLrFn !== 'match_rms_adamw') {
      fail('adjustLrFn', o.adjustLrFn, `Adjust learning rate function ${o.adjustLrFn} is not supported`);
    }
    if (o.nsSteps !== undefined) {
      if (!Number.isInteger(o.nsSteps) || o.nsSteps < 0) fail('nsSteps', o.nsSteps, `Invalid ns_steps value: ${o.nsSteps} (expected an integer >= 0)`);
      if (o.nsSteps >= 100) fail('nsSteps', o.nsSteps, 'Number of steps must be less than 100 for computational efficiency');
    }
    if (o.nsCoefficients !== undefined && !(Array.isArray(o.nsCoefficients) && o.nsCoefficients.length === 3 && o.nsCoefficients.every((x) => typeof x === 'number'))) {
      fail('nsCoefficients', o.nsCoefficients, 'Coefficients must be a tuple of exactly 3 values');
    }
    if (o.eps !== undefined && !(typeof o.eps === 'number' && o.eps >= 0)) fail('eps', o.eps, `Invalid epsilon value: ${o.eps}`);
  }

  /** torch checks every parameter is 2-D (here also for groups added later). */
  override addParamGroup(group: { params: tf.Variable[] | tf.Variable } & Partial<MuonOptions>): void {
    const params = group?.params instanceof tf.Variable ? [group.params] : group?.params;
    for (const p of Array.isArray(params) ? params : []) {
      if (p instanceof tf.Variable && p.rank !== 2) {
        fail('params', p.shape, `Muon only supports 2D parameters whereas we found a parameter with size: [${p.shape.join(', ')}] (${p.name}); optimize it with AdamW (see muonParamGroups)`);
      }
    }
    super.addParamGroup(group);
  }

  protected stepGroup(group: ParamGroup<MuonOptions>, entries: StepEntry[]): void {
    for (const e of entries) {
      if (!(e.state.momentumBuffer instanceof tf.Tensor)) e.state.momentumBuffer = tf.keep(tf.zerosLike(e.param));
      const attrs = muonAttrs(group, e.param.shape);
      tf.tidy(() => {
        const { momentumBuffer, update } = this.runOp(muonMomentum, group, { grad: e.grad, momentumBuffer: e.state.momentumBuffer as tf.Tensor }, attrs.momentum);
        const ortho = newtonSchulzIterations(update as tf.Tensor2D, group.nsCoefficients, group.nsSteps);
        e.param.assign(this.runOp(muonApply, group, { param: e.param, ortho }, attrs.apply).param);
        replaceState(e.state, { momentumBuffer });
      });
    }
  }
}
