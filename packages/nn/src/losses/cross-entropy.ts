import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@descent/core';
import {
  REDUCTIONS,
  asTensor,
  checkFloat,
  checkReduction,
  checkTensor,
  checkWeightValues,
  divideOrNaN,
  readsValues,
  sameShape,
  shapeString,
  weightShape,
  type Reduction,
  type WeightLike,
} from './util.js';

/** Options of {@link nllLoss}, `F.nll_loss`'s keyword arguments in lowerCamelCase. */
export interface NllLossOptions {
  /** A manual rescaling weight per class, length C (torch's `weight`). */
  weight?: WeightLike;
  /** Targets equal to this contribute 0 and leave the mean's denominator. Default -100. */
  ignoreIndex?: number;
  /** Default 'mean'. */
  reduction?: Reduction;
  /**
   * Read the class indices back to the host to raise torch's `Target 5 is out of
   * bounds.`. Default: on backends whose tensors live in host memory (cpu, wasm,
   * tfjs-node), where that read is a copy; off on GPU backends, where it would
   * stall the pipeline. Unchecked, an out-of-range index gives a NaN loss element
   * (never tfjs's silent zero) and leaves the mean's denominator.
   */
  validateValues?: boolean;
}

/** Options of {@link crossEntropy}, `F.cross_entropy`'s keyword arguments in lowerCamelCase. */
export interface CrossEntropyOptions extends NllLossOptions {
  /** In [0, 1]: the target mixes with the uniform distribution (torch's `label_smoothing`). Default 0. */
  labelSmoothing?: number;
}

function checkCommon(input: tf.Tensor, target: tf.Tensor, o: NllLossOptions): number {
  checkTensor('input', input);
  checkTensor('target', target);
  checkReduction(o.reduction ?? 'mean', REDUCTIONS);
  const ignoreIndex = o.ignoreIndex ?? -100;
  if (!Number.isInteger(ignoreIndex)) {
    throw new InvalidArgumentError('ignoreIndex', ignoreIndex, `ignore_index must be an integer, got ${ignoreIndex}`);
  }
  if (input.rank < 1) throw new InvalidArgumentError('input', input.shape, `Expected 1 or more dimensions (got ${input.rank})`);
  checkFloat('input', input);
  const C = input.shape[input.rank - 1];
  if (o.weight !== undefined) {
    checkWeightValues('weight', o.weight);
    const ws = weightShape(o.weight);
    if (ws.length !== 1 || ws[0] !== C) {
      throw new InvalidArgumentError(
        'weight',
        ws,
        `weight tensor should be defined either for all ${C} classes or no classes but got weight tensor of shape: ${shapeString(ws)}`,
      );
    }
  }
  return C;
}

/**
 * Class-index target: shape `input.shape` less the class axis, int32, in range (when read back).
 * Returns the values when they were read and none is ignored: every target is then a valid class.
 */
function checkIndexTarget(input: tf.Tensor, target: tf.Tensor, C: number, o: NllLossOptions): Int32Array | null {
  const expected = input.shape.slice(0, -1);
  if (input.rank >= 2 && target.rank >= 1 && target.shape[0] !== input.shape[0]) {
    throw new InvalidArgumentError(
      'target',
      target.shape,
      `Expected input batch_size (${input.shape[0]}) to match target batch_size (${target.shape[0]}).`,
    );
  }
  if (!sameShape(expected, target.shape)) {
    throw new InvalidArgumentError(
      'target',
      target.shape,
      `Expected target size ${shapeString(expected)}, got ${shapeString(target.shape)} (class indices take the input's shape without its last, class axis)`,
    );
  }
  if (target.dtype !== 'int32') {
    throw new InvalidArgumentError(
      'target',
      target.dtype,
      `Expected int32 class indices for target, got ${target.dtype} (class probabilities take the input's shape ${shapeString(input.shape)})`,
    );
  }
  if (!readsValues(o.validateValues)) return null;
  const ignoreIndex = o.ignoreIndex ?? -100;
  const values = target.dataSync() as Int32Array;
  let ignored = false;
  for (const v of values) {
    if (v === ignoreIndex) ignored = true;
    else if (!(v >= 0 && v < C)) throw new InvalidArgumentError('target', v, `Target ${v} is out of bounds.`);
  }
  return ignored ? null : values;
}

interface IndexParts {
  /** [M] per-element weighted nll: -w[t] logp[t], 0 where ignored, NaN where out of range. */
  nll: tf.Tensor;
  /** [M] where the target is not ignoreIndex. */
  notIgnored: tf.Tensor;
  /** sum over non-ignored, in-range targets of w[t] (their count without a weight). */
  den: tf.Tensor;
}

function indexParts(logp2d: tf.Tensor, target: tf.Tensor, weight: tf.Tensor | undefined, ignoreIndex: number): IndexParts {
  const [M, C] = logp2d.shape;
  const t = tf.reshape(target, [M]);
  const notIgnored = tf.notEqual(t, ignoreIndex);
  const valid = tf.logicalAnd(notIgnored, tf.logicalAnd(tf.greaterEqual(t, 0), tf.less(t, C)));
  const safeT = tf.where(valid, t, tf.zerosLike(t));
  // A flat gather (row * C + class): its gradient is one scatter, and it never touches other classes' values.
  const picked = tf.gather(tf.reshape(logp2d, [M * C]), tf.add(tf.mul(tf.range(0, M, 1, 'int32'), tf.scalar(C, 'int32')), safeT));
  const validF = tf.cast(valid, 'float32');
  const w = weight ? tf.mul(tf.gather(weight, safeT), validF) : validF;
  // Ignored: 0; out of range (unchecked): NaN, never a silent 0. `where` last, so no masked NaN/Inf flows backwards.
  const other = tf.where(notIgnored, tf.fill([M], NaN), tf.zeros([M]));
  const nll = tf.where(valid, tf.neg(weight ? tf.mul(picked, w) : picked), other);
  return { nll, notIgnored, den: tf.sum(w) };
}

/**
 * The mean or sum of -logp[i, t_i] when every target is known on the host to be a
 * valid class (no weight): the flat gather index is built there, and none of the
 * masks for ignored or out-of-range targets is needed. Same values and gradients,
 * bit for bit, as the general path (the masks all pass, and the denominator is M),
 * with a third of the kernels per training step (38 against 117 for a mean).
 */
function nllAllValid(logp2d: tf.Tensor, classes: Int32Array, reduction: 'mean' | 'sum'): tf.Tensor {
  const [M, C] = logp2d.shape;
  const index = tf.tensor1d(classes.map((t, i) => i * C + t), 'int32');
  const total = tf.neg(tf.sum(tf.gather(tf.reshape(logp2d, [M * C]), index)));
  return reduction === 'sum' ? total : tf.div(total, M);
}

/**
 * crossEntropy's value when every target is known to be a valid class (no
 * weight, no smoothing), with its gradient written out instead of taken through
 * logSoftmax's and the gather's: `a·onehot − a·softmax` for `a = −dy/M` (mean)
 * or `−dy` (sum), the very operations autodiff performs, so value and gradient
 * are the same bits as nllAllValid on tfjs's logSoftmax, in 27 kernels for
 * the loss and its gradient instead of 38.
 */
function crossEntropyAllValid(logits2d: tf.Tensor, classes: Int32Array, reduction: 'mean' | 'sum'): tf.Tensor {
  const [M, C] = logits2d.shape;
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const logp = tf.logSoftmax(args[0] as tf.Tensor);
    (args[1] as tf.GradSaveFunc)([logp]);
    return {
      value: nllAllValid(logp, classes, reduction),
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => {
        const a = tf.neg(reduction === 'sum' ? dy : tf.div(dy, M));
        return tf.sub(tf.mul(tf.oneHot(tf.tensor1d(classes, 'int32'), C), a), tf.mul(a, tf.exp(saved)));
      },
    };
  });
  return f(logits2d);
}

function nllReduce(parts: IndexParts, reduction: Reduction, batchShape: number[]): tf.Tensor {
  if (reduction === 'none') return tf.reshape(parts.nll, batchShape);
  const total = tf.sum(parts.nll);
  return reduction === 'sum' ? total : divideOrNaN(total, parts.den);
}

/**
 * torch.nn.functional.nll_loss (1.13) with the class axis LAST: `logProbs`
 * [C], [N, C] or [N, d1, ..., dk, C] (torch: [N, C, d1, ..., dk]); `target`
 * int32 class indices of the input's shape without the class axis. 'mean' divides
 * by the sum of the weights of the non-ignored targets (their count without
 * `weight`): NaN when every target is ignored, as torch.
 */
export function nllLoss(logProbs: tf.Tensor, target: tf.Tensor, options: NllLossOptions = {}): tf.Tensor {
  const C = checkCommon(logProbs, target, options);
  const classes = checkIndexTarget(logProbs, target, C, options);
  const { ignoreIndex = -100, reduction = 'mean' } = options;
  return tf.tidy(() => {
    if (classes && options.weight === undefined && reduction !== 'none') return nllAllValid(tf.reshape(logProbs, [-1, C]), classes, reduction);
    const weight = options.weight !== undefined ? asTensor(options.weight) : undefined;
    const parts = indexParts(tf.reshape(logProbs, [-1, C]), target, weight, ignoreIndex);
    return nllReduce(parts, reduction, target.shape);
  });
}

/**
 * torch.nn.functional.cross_entropy (1.13) with the class axis LAST: `logits`
 * [C], [N, C] or [N, d1, ..., dk, C] (torch: [N, C, d1, ..., dk]). `target` is
 * either int32 class indices (the logits' shape without the class axis) or
 * float32 class probabilities of the logits' shape (torch tells them apart the
 * same way: by shape).
 *
 * - indices: log_softmax then nll_loss; 'mean' divides by the sum of the weights
 *   of the non-ignored targets. Label smoothing ε: (1-ε)·nll + ε/C·smooth, where
 *   smooth per element is -Σ_c w_c·logp_c (0 where ignored), reduced by the same
 *   denominator as the nll.
 * - probabilities: -Σ_c w_c·p_c·logp_c per element, with p mixed as
 *   p·(1-ε) + ε/C; 'mean' divides by the number of elements N·d1⋯dk, whatever the
 *   weights. `ignoreIndex` must stay negative (torch: not supported).
 */
export function crossEntropy(logits: tf.Tensor, target: tf.Tensor, options: CrossEntropyOptions = {}): tf.Tensor {
  const C = checkCommon(logits, target, options);
  const { ignoreIndex = -100, reduction = 'mean', labelSmoothing = 0 } = options;
  if (typeof labelSmoothing !== 'number' || !(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new InvalidArgumentError('labelSmoothing', labelSmoothing, `label_smoothing must be between 0.0 and 1.0. Got: ${labelSmoothing}`);
  }
  if (sameShape(logits.shape, target.shape)) {
    if (target.dtype !== 'float32') {
      throw new InvalidArgumentError('target', target.dtype, `Expected floating point type for target with class probabilities, got ${target.dtype}`);
    }
    if (ignoreIndex >= 0) {
      throw new InvalidArgumentError('ignoreIndex', ignoreIndex, `ignore_index is not supported for floating point target (ignoreIndex: ${ignoreIndex})`);
    }
    return tf.tidy(() => {
      const weight = options.weight !== undefined ? asTensor(options.weight) : undefined;
      const logp = tf.logSoftmax(logits);
      const p = labelSmoothing > 0 ? tf.add(tf.mul(target, 1 - labelSmoothing), labelSmoothing / C) : target;
      let prod = tf.mul(logp, p);
      if (weight) prod = tf.mul(prod, weight); // class axis last: weight [C] broadcasts as is
      const perElement = tf.neg(tf.sum(prod, -1));
      if (reduction === 'none') return perElement;
      const total = tf.sum(perElement);
      return reduction === 'sum' ? total : tf.div(total, logits.size / Math.max(C, 1));
    });
  }
  const classes = checkIndexTarget(logits, target, C, options);
  return tf.tidy(() => {
    const weight = options.weight !== undefined ? asTensor(options.weight) : undefined;
    if (classes && !weight && labelSmoothing === 0 && reduction !== 'none') return crossEntropyAllValid(tf.reshape(logits, [-1, C]), classes, reduction);
    const logp2d = tf.reshape(tf.logSoftmax(logits), [-1, C]);
    const parts = indexParts(logp2d, target, weight, ignoreIndex);
    const nll = nllReduce(parts, reduction, target.shape);
    if (labelSmoothing === 0) return nll;
    const smoothPer = tf.neg(tf.sum(weight ? tf.mul(logp2d, weight) : logp2d, -1));
    const smooth = tf.where(parts.notIgnored, smoothPer, tf.zerosLike(smoothPer));
    let ret: tf.Tensor;
    if (reduction === 'none') ret = tf.reshape(smooth, target.shape);
    else if (reduction === 'sum') ret = tf.sum(smooth);
    else ret = divideOrNaN(tf.sum(smooth), parts.den);
    return tf.add(tf.mul(nll, 1 - labelSmoothing), tf.mul(ret, labelSmoothing / C));
  });
}
