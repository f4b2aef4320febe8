import * as tf from '@tensorflow/tfjs-core';
import { DescentError, InvalidArgumentError, check } from '@descent/core';
import { ampUnscale } from './unscale-op.js';

/** Options of {@link GradScaler}, torch's keyword arguments in lowerCamelCase with torch's defaults. */
export interface GradScalerOptions {
  /** Initial scale. Default 2^16. */
  initScale?: number;
  /** Factor the scale grows by after `growthInterval` clean steps in a row. Default 2. */
  growthFactor?: number;
  /** Factor the scale shrinks by after a step with inf/NaN gradients. Default 0.5. */
  backoffFactor?: number;
  /** Clean steps between growths. Default 2000. */
  growthInterval?: number;
  /** When false every method is a pass-through (`scale` returns the loss, `step` always steps). Default true. */
  enabled?: boolean;
}

/** What GradScaler needs of an optimizer: `step(grads)`, as in @descent/optim. */
export interface ScalableOptimizer {
  /** Applies the (unscaled) gradients, keyed by variable name. */
  step(grads: tf.NamedTensorMap): unknown;
  paramGroups?: unknown;
}

/** `stateDict()` of an enabled scaler; a disabled one returns `{}`. */
export interface GradScalerState {
  [key: string]: number;
  scale: number;
  growthFactor: number;
  backoffFactor: number;
  growthInterval: number;
  growthTracker: number;
}

type Stage = 'ready' | 'unscaled' | 'stepped';

interface OptimizerState {
  stage: Stage;
  /** Sum of the per-tensor non-finite flags: a kept float32 scalar, read lazily. */
  foundInf: tf.Tensor | null;
  foundInfValue: number | null;
}

const f32 = Math.fround;

/**
 * Dynamic loss scaling with torch 1.13's `torch.cuda.amp.GradScaler` semantics:
 *
 * ```ts
 * const { grads } = tf.variableGrads(() => scaler.scale(lossFn()));
 * await scaler.step(optimizer, grads); // unscales, skips the step on inf/NaN
 * scaler.update();
 * ```
 *
 * tfjs tensors are immutable, so unscaling makes new tensors. Ownership is simple:
 * the scaler never disposes a tensor you pass it, and every tensor it returns is
 * yours. `unscale()` returns the unscaled gradients (for clipping); pass those, or
 * tensors derived from them, to `step()`. `step()` with gradients not yet unscaled
 * unscales them itself and disposes its copies once the optimizer step returns.
 */
export class GradScaler {
  private scaleValue: number;
  private growthFactorValue: number;
  private backoffFactorValue: number;
  private growthIntervalValue: number;
  private growthTracker = 0;
  private readonly enabled: boolean;
  private states = new Map<object, OptimizerState>();

  constructor(options: GradScalerOptions = {}) {
    const { initScale = 2 ** 16, growthFactor = 2, backoffFactor = 0.5, growthInterval = 2000, enabled = true } = options;
    check(typeof initScale === 'number' && !Number.isNaN(initScale), 'initScale', initScale);
    check(growthFactor > 1, 'growthFactor', growthFactor, `The growth factor must be > 1.0. Got ${growthFactor}`);
    check(backoffFactor < 1, 'backoffFactor', backoffFactor, `The backoff factor must be < 1.0. Got ${backoffFactor}`);
    check(Number.isInteger(growthInterval) && growthInterval > 0, 'growthInterval', growthInterval);
    this.enabled = enabled;
    // torch keeps the scale in a float32 tensor.
    this.scaleValue = f32(initScale);
    this.growthFactorValue = growthFactor;
    this.backoffFactorValue = backoffFactor;
    this.growthIntervalValue = growthInterval;
  }

  /** Whether the scaler is on (the `enabled` option). */
  isEnabled(): boolean {
    return this.enabled;
  }

  /** The current scale; 1 when disabled. */
  getScale(): number {
    return this.enabled ? this.scaleValue : 1;
  }

  /** The factor the scale grows by after `growthInterval` clean steps. */
  getGrowthFactor(): number {
    return this.growthFactorValue;
  }
  /** Sets the growth factor. */
  setGrowthFactor(value: number): void {
    this.growthFactorValue = value;
  }
  /** The factor the scale shrinks by after a step with inf/NaN gradients. */
  getBackoffFactor(): number {
    return this.backoffFactorValue;
  }
  /** Sets the backoff factor. */
  setBackoffFactor(value: number): void {
    this.backoffFactorValue = value;
  }
  /** The clean steps in a row before the scale grows. */
  getGrowthInterval(): number {
    return this.growthIntervalValue;
  }
  /** Sets the growth interval. */
  setGrowthInterval(value: number): void {
    this.growthIntervalValue = value;
  }
  /** Clean steps since the last growth or backoff. */
  getGrowthTracker(): number {
    return this.growthTracker;
  }

  /** `loss * scale` in float32 (a new tensor); the loss itself when disabled. */
  scale<T extends tf.Tensor>(loss: T): T {
    if (!this.enabled) return loss;
    check(loss instanceof tf.Tensor, 'loss', loss, 'scale(loss): loss must be a tf.Tensor');
    const scale = this.scaleValue;
    return tf.tidy(() => tf.mul(loss, tf.scalar(scale, 'float32'))) as T;
  }

  /**
   * Divides `grads` by the scale (times `1/scale`, computed in float64 and rounded
   * to float32, as torch does) and records whether any was inf/NaN. At most once
   * per optimizer between `update()`s. Returns new tensors that you own; when
   * disabled, returns `grads` itself.
   */
  unscale(optimizer: ScalableOptimizer, grads: tf.NamedTensorMap): tf.NamedTensorMap {
    if (!this.enabled) return grads;
    const state = this.stateOf(optimizer);
    if (state.stage === 'unscaled') throw new DescentError('unscale() has already been called on this optimizer since the last update().');
    if (state.stage === 'stepped') throw new DescentError('unscale() is being called after step().');
    const invScale = f32(1 / this.scaleValue);
    const out: tf.NamedTensorMap = {};
    const flags: tf.Tensor[] = [];
    for (const [name, grad] of Object.entries(grads)) {
      if (grad == null) continue;
      check(grad instanceof tf.Tensor, `grads.${name}`, grad, `unscale(): grads.${name} is not a tf.Tensor`);
      const { unscaled, nonFinite } = ampUnscale({ grad }, { invScale });
      out[name] = unscaled;
      flags.push(nonFinite);
    }
    const found = flags.length === 0 ? tf.scalar(0) : flags.length === 1 ? flags[0] : tf.addN(flags);
    if (flags.length > 1) tf.dispose(flags);
    state.foundInf = tf.keep(found);
    state.foundInfValue = null;
    state.stage = 'unscaled';
    return out;
  }

  /**
   * Steps the optimizer unless a gradient was inf/NaN; resolves to whether it
   * stepped. Unscales `grads` first unless `unscale()` was already called for
   * this optimizer (then `grads` are taken as already unscaled). Reads one
   * scalar back from the device, hence async; see `stepSync` for cpu and wasm.
   */
  async step(optimizer: ScalableOptimizer, grads: tf.NamedTensorMap): Promise<boolean> {
    const prepared = this.prepareStep(optimizer, grads);
    if (prepared.skipCheck) return this.finishStep(optimizer, prepared, 0);
    const found = (await prepared.state.foundInf!.data())[0];
    return this.finishStep(optimizer, prepared, found);
  }

  /** `step` with a synchronous read of the inf flag (fine on cpu and wasm). */
  stepSync(optimizer: ScalableOptimizer, grads: tf.NamedTensorMap): boolean {
    const prepared = this.prepareStep(optimizer, grads);
    if (prepared.skipCheck) return this.finishStep(optimizer, prepared, 0);
    return this.finishStep(optimizer, prepared, prepared.state.foundInf!.dataSync()[0]);
  }

  private prepareStep(optimizer: ScalableOptimizer, grads: tf.NamedTensorMap) {
    check(optimizer != null && typeof optimizer.step === 'function', 'optimizer', optimizer, 'step(optimizer, grads): optimizer has no step(grads) method');
    if (!this.enabled) return { skipCheck: true, state: null as unknown as OptimizerState, grads, owned: false };
    const state = this.stateOf(optimizer);
    if (state.stage === 'stepped') throw new DescentError('step() has already been called since the last update().');
    let owned = false;
    if (state.stage === 'ready') {
      grads = this.unscale(optimizer, grads);
      owned = true;
    }
    return { skipCheck: false, state, grads, owned };
  }

  private finishStep(
    optimizer: ScalableOptimizer,
    prepared: { skipCheck: boolean; state: OptimizerState; grads: tf.NamedTensorMap; owned: boolean },
    found: number,
  ): boolean {
    if (prepared.skipCheck) {
      optimizer.step(prepared.grads);
      return true;
    }
    prepared.state.foundInfValue = found;
    let stepped = false;
    try {
      if (!found) {
        optimizer.step(prepared.grads);
        stepped = true;
      } else {
        countSkippedStep(optimizer);
      }
    } finally {
      prepared.state.stage = 'stepped';
      if (prepared.owned) tf.dispose(Object.values(prepared.grads));
    }
    return stepped;
  }

  /**
   * Updates the scale: backs off if any optimizer saw inf/NaN since the last
   * update, else counts a clean step and grows after `growthInterval` of them
   * (torch's `_amp_update_scale_`). `update(newScale)` sets the scale instead and
   * leaves the growth tracker alone.
   */
  update(newScale?: number): void {
    if (!this.enabled) return;
    try {
      if (newScale !== undefined) {
        check(typeof newScale === 'number' && !Number.isNaN(newScale), 'newScale', newScale);
        this.scaleValue = f32(newScale);
        return;
      }
      const found = [...this.states.values()].filter((s) => s.foundInf != null);
      if (found.length === 0) throw new DescentError('No inf checks were recorded prior to update().');
      let foundInf = 0;
      for (const s of found) foundInf += s.foundInfValue ?? s.foundInf!.dataSync()[0];
      this.applyUpdate(foundInf);
    } finally {
      this.resetStates();
    }
  }

  // Transcribed from torch 1.13 aten/src/ATen/native/cuda/AmpKernels.cu
  // (amp_update_scale_cuda_kernel): float32 scale, float64 factors.
  private applyUpdate(foundInf: number): void {
    if (foundInf) {
      this.scaleValue = f32(this.scaleValue * this.backoffFactorValue);
      this.growthTracker = 0;
      return;
    }
    const successful = this.growthTracker + 1;
    if (successful === this.growthIntervalValue) {
      const grown = f32(this.scaleValue * this.growthFactorValue);
      // Do not grow the scale past fp32 bounds to inf.
      if (Number.isFinite(grown)) this.scaleValue = grown;
      this.growthTracker = 0;
    } else {
      this.growthTracker = successful;
    }
  }

  /** The scale, factors, interval and growth tracker, as torch's `state_dict()`; `{}` when disabled. */
  stateDict(): GradScalerState | Record<string, never> {
    if (!this.enabled) return {};
    return {
      scale: this.scaleValue,
      growthFactor: this.growthFactorValue,
      backoffFactor: this.backoffFactorValue,
      growthInterval: this.growthIntervalValue,
      growthTracker: this.growthTracker,
    };
  }

  /**
   * Restores {@link GradScaler.stateDict}'s output (ignored when disabled; an empty state from a disabled scaler throws, as in torch).
   */
  loadStateDict(state: Partial<GradScalerState>): void {
    if (!this.enabled) return;
    if (state == null || Object.keys(state).length === 0) {
      throw new DescentError('The source state dict is empty, possibly because it was saved from a disabled instance of GradScaler.');
    }
    for (const key of ['scale', 'growthFactor', 'backoffFactor', 'growthInterval', 'growthTracker'] as const) {
      if (typeof state[key] !== 'number') throw new InvalidArgumentError(`state.${key}`, state[key]);
    }
    this.scaleValue = f32(state.scale!);
    this.growthFactorValue = state.growthFactor!;
    this.backoffFactorValue = state.backoffFactor!;
    this.growthIntervalValue = state.growthInterval!;
    this.growthTracker = state.growthTracker!;
  }

  private stateOf(optimizer: object): OptimizerState {
    let s = this.states.get(optimizer);
    if (!s) {
      s = { stage: 'ready', foundInf: null, foundInfValue: null };
      this.states.set(optimizer, s);
    }
    return s;
  }

  private resetStates(): void {
    for (const s of this.states.values()) s.foundInf?.dispose();
    this.states = new Map();
  }
}

/**
 * A skipped step still counts as an optimizer step for LR schedulers, under the
 * global symbol @descent/lr-schedule reads, so a scheduler stepped after a
 * skipped step gives no false "scheduler before optimizer" warning (pytorch#44511).
 */
const OPTIMIZER_STEP_ATTEMPTS = Symbol.for('descent.optimizer.stepAttempts');

function countSkippedStep(optimizer: object): void {
  const o = optimizer as { [OPTIMIZER_STEP_ATTEMPTS]?: number };
  o[OPTIMIZER_STEP_ATTEMPTS] = (o[OPTIMIZER_STEP_ATTEMPTS] ?? 0) + 1;
}
