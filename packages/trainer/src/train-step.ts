import * as tf from '@tensorflow/tfjs-core';
import { activeAdapter, check, clipGradNorm, formatValue, InvalidArgumentError } from '@descent/core';
import { autocast, type GradScaler } from '@descent/amp';
import { crossEntropy } from '@descent/nn';
import type { GradientAccumulator } from './accumulation.js';
import { toTrainableModel, type ModelLike, type TrainableModel } from './model.js';

/** `(logits, target) => scalar loss`, torch's loss functions' shape (`crossEntropy`, `mseLoss`). */
export type LossFn = (logits: tf.Tensor, target: tf.Tensor) => tf.Tensor;

/** What the trainer needs of an optimizer: `@descent/optim`'s shape. */
export interface TrainerOptimizer {
  /** Plain objects with at least `lr` (no index signature: @descent/optim's groups are interfaces). */
  paramGroups: Array<{ lr: number }>;
  /** Applies gradients keyed by variable name. */
  step(grads: tf.NamedTensorMap): unknown;
  /** The optimizer's state, for checkpoints. */
  stateDict?(): unknown;
  /** Restores {@link TrainerOptimizer.stateDict}'s output. */
  loadStateDict?(state: never): void;
}

/**
 * Mixed precision: `'float16'` (with a GradScaler) or `'bfloat16'` through
 * @descent/amp's autocast, `false` for float32, `'auto'` for native float16 where
 * the active adapter has it (`capabilities.float16`) and float32 elsewhere:
 * emulated half buys numerics, not speed.
 */
export type AmpOption = 'float16' | 'bfloat16' | 'auto' | false;

/** The autocast dtype `amp` means on the active backend, or null for float32. */
export function resolveAmp(amp: AmpOption | undefined): 'float16' | 'bfloat16' | null {
  if (amp === false || amp === undefined) return null;
  if (amp === 'float16' || amp === 'bfloat16') return amp;
  if (amp === 'auto') return activeAdapter()?.capabilities.float16 ? 'float16' : null;
  throw new InvalidArgumentError('amp', amp, `Invalid amp: ${formatValue(amp)} (expected 'float16', 'bfloat16', 'auto' or false)`);
}

/** Options of {@link trainStep}: the model, optimizer and batch, and how to step. */
export interface TrainStepOptions {
  model: ModelLike | TrainableModel;
  optimizer: TrainerOptimizer;
  /** Default `crossEntropy` from @descent/nn. */
  loss?: LossFn;
  x: tf.Tensor;
  y: tf.Tensor;
  amp?: AmpOption;
  /** Loss scaling; required with `amp: 'float16'` (`new GradScaler({ enabled: false })` opts out). */
  scaler?: GradScaler;
  /** Sums micro-batches and steps once per group; without it every call steps. */
  accumulation?: GradientAccumulator;
  /** Clips the global 2-norm of the unscaled gradients (`clipGradNorm`). */
  maxGradNorm?: number;
  /** Runs just before the optimizer step with the final (unscaled, clipped) gradients. */
  beforeOptimizerStep?: (grads: tf.NamedTensorMap) => void | Promise<void>;
}

/** What {@link trainStep} returns. */
export interface TrainStepResult {
  /** This micro-batch's loss, unscaled and not divided by the accumulation: a 0-d tensor you own. */
  loss: tf.Scalar;
  /** Whether the optimizer's parameters were updated. */
  stepped: boolean;
  /** Whether this call ended an optimizer step (stepped, or skipped by the scaler). */
  boundary: boolean;
  /** The GradScaler found inf/NaN gradients and skipped the step. */
  skipped: boolean;
  /** The total gradient norm before clipping, when `maxGradNorm` is set: a 0-d tensor you own. */
  gradNorm: tf.Scalar | null;
}

/**
 * One training step on one (micro-)batch, torch's AMP recipe in one call:
 * forward and backward under autocast, `scaler.scale(loss)`, gradient
 * accumulation (loss / k, gradients summed, one step per k), `scaler.unscale`,
 * global-norm clipping of the unscaled gradients, `scaler.step` (skips on
 * inf/NaN) and `scaler.update()`, or a plain `optimizer.step(grads)`. Every
 * intermediate tensor is disposed. Nothing is read back from the device except
 * the scaler's one inf/NaN flag.
 */
export async function trainStep(options: TrainStepOptions): Promise<TrainStepResult> {
  const { optimizer, x, y, accumulation, maxGradNorm, beforeOptimizerStep } = options;
  const model = toTrainableModel(options.model);
  const lossFn = options.loss ?? crossEntropy;
  const dtype = resolveAmp(options.amp);
  check(optimizer != null && typeof optimizer.step === 'function', 'optimizer', optimizer, 'trainStep: optimizer has no step(grads) method');
  check(x instanceof tf.Tensor, 'x', x, 'trainStep: x must be a tf.Tensor');
  check(y instanceof tf.Tensor, 'y', y, 'trainStep: y must be a tf.Tensor');
  check(maxGradNorm === undefined || (typeof maxGradNorm === 'number' && maxGradNorm > 0), 'maxGradNorm', maxGradNorm);
  if (dtype === 'float16' && options.scaler === undefined) {
    throw new InvalidArgumentError('scaler', undefined, "amp 'float16' needs a GradScaler (scaler: new GradScaler()); pass new GradScaler({ enabled: false }) to train without loss scaling");
  }
  const scaler = options.scaler?.isEnabled() ? options.scaler : undefined;
  const divisor = accumulation ? accumulation.groupSize : 1;

  model.setTraining(true);
  const variables = model.trainableVariables();
  let raw: tf.Scalar | undefined;
  const backward = () =>
    tf.variableGrads(() => {
      const loss = lossFn(model.forward(x, true), y);
      if (!(loss instanceof tf.Tensor) || loss.rank !== 0) {
        throw new InvalidArgumentError('loss', loss instanceof tf.Tensor ? loss.shape : loss, `the loss function must return a 0-d tensor (reduction 'mean' or 'sum'), got ${loss instanceof tf.Tensor ? `shape [${loss.shape.join(', ')}]` : formatValue(loss)}`);
      }
      raw = tf.keep(loss as tf.Scalar);
      let objective = divisor === 1 ? loss : tf.div(loss, divisor);
      if (scaler) objective = scaler.scale(objective);
      return objective as tf.Scalar;
    }, variables);
  const { value, grads } = dtype ? autocast(backward, { dtype }) : backward();
  if (value !== raw) value.dispose();
  const loss = raw!;

  let total: tf.NamedTensorMap;
  if (accumulation) {
    accumulation.add(grads);
    if (!accumulation.ready) return { loss, stepped: false, boundary: false, skipped: false, gradNorm: null };
    total = accumulation.take();
  } else {
    total = grads;
  }

  const owned: tf.Tensor[] = Object.values(total);
  let gradNorm: tf.Scalar | null = null;
  try {
    let final = total;
    if (scaler) {
      final = scaler.unscale(optimizer, final);
      owned.push(...Object.values(final));
    }
    if (maxGradNorm !== undefined) {
      const clipped = clipGradNorm(final, maxGradNorm);
      final = clipped.grads;
      gradNorm = clipped.totalNorm;
      owned.push(...Object.values(final));
    }
    await beforeOptimizerStep?.(final);
    let stepped = true;
    if (scaler) {
      stepped = await scaler.step(optimizer, final);
      scaler.update();
    } else {
      optimizer.step(final);
    }
    return { loss, stepped, boundary: true, skipped: !stepped, gradNorm };
  } catch (err) {
    gradNorm?.dispose();
    loss.dispose();
    throw err;
  } finally {
    tf.dispose(owned);
  }
}
