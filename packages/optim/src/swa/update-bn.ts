import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, formatValue } from '@descent/core';

/**
 * What {@link updateBn} needs of a batch-norm module (a `@descent/nn` BatchNorm1d/2d):
 * its `momentum` (`null`: a cumulative average), and `resetRunningStats()`.
 */
export interface BatchNormLike {
  momentum: number | null;
  /** Resets the running statistics (mean 0, variance 1, count 0). */
  resetRunningStats(): void;
}

/** What {@link updateBn} needs of a model (a `@descent/nn` Module): its modules, `training`, `train(mode)`, `forward`. */
export interface UpdateBnModel {
  training: boolean;
  /** Sets training mode (`false`: eval mode). */
  train(mode?: boolean): unknown;
  /** Every module in the tree, the model included (torch's `modules()`). */
  modules(): readonly unknown[];
  /** Runs the model on a batch's input (unless `options.forward` is given). */
  forward?(input: tf.Tensor): tf.TensorContainer;
}

/** Options of {@link updateBn}. */
export interface UpdateBnOptions<B> {
  /** The model's input in a batch. Default: the batch itself, or its first element if it is an array (`[input, target]`), as torch. */
  input?: (batch: B) => tf.Tensor;
  /** Runs the model on an input (default `model.forward(input)`); outputs are disposed. */
  forward?: (input: tf.Tensor) => tf.TensorContainer;
  /** Which modules are batch norms. Default: those with `resetRunningStats()` and a `momentum`. */
  isBatchNorm?: (module: unknown) => boolean;
}

function looksLikeBatchNorm(m: unknown): m is BatchNormLike {
  return typeof m === 'object' && m !== null && typeof (m as BatchNormLike).resetRunningStats === 'function' && 'momentum' in m;
}

function defaultInput(batch: unknown): tf.Tensor {
  const input = Array.isArray(batch) ? batch[0] : batch;
  if (!(input instanceof tf.Tensor)) {
    throw new InvalidArgumentError('loader', batch, `updateBn: a batch must be a tensor or an array whose first element is one (or pass options.input), got ${formatValue(input)}`);
  }
  return input;
}

/**
 * torch.optim.swa_utils.update_bn (torch 2.x): recomputes the running statistics
 * of every batch norm in `model` with one pass over `loader`, for weights that
 * were averaged (SWA, EMA) rather than trained. Each batch norm's statistics are
 * reset and its `momentum` set to `null` (a cumulative average over the
 * batches), the model runs in train mode on every batch, then the momenta and
 * the model's mode are restored (also if a batch throws).
 *
 * `loader` is any iterable or async iterable of batches: a `@descent/data`
 * DataLoader, an array of tensors. The batches are not disposed (the loader owns them).
 * The model is structural (this package depends on no model library): a
 * `@descent/nn` Module fits; see {@link UpdateBnModel} and {@link BatchNormLike}.
 */
export async function updateBn<B>(loader: Iterable<B> | AsyncIterable<B>, model: UpdateBnModel, options: UpdateBnOptions<B> = {}): Promise<void> {
  if (typeof model?.modules !== 'function' || typeof model.train !== 'function') {
    throw new InvalidArgumentError('model', model, `updateBn: model must have modules() and train(mode) (a @descent/nn Module), got ${formatValue(model)}`);
  }
  const isBatchNorm = options.isBatchNorm ?? looksLikeBatchNorm;
  const forward = options.forward ?? ((x: tf.Tensor) => model.forward!(x));
  if (!options.forward && typeof model.forward !== 'function') {
    throw new InvalidArgumentError('model', model, 'updateBn: model has no forward(input); pass options.forward');
  }
  const input = options.input ?? defaultInput;
  const momenta = new Map<BatchNormLike, number | null>();
  for (const m of model.modules()) {
    if (!isBatchNorm(m)) continue;
    const bn = m as BatchNormLike;
    bn.resetRunningStats();
    momenta.set(bn, bn.momentum);
  }
  if (momenta.size === 0) return;
  const wasTraining = model.training;
  model.train(true);
  try {
    for (const bn of momenta.keys()) bn.momentum = null;
    for await (const batch of loader as AsyncIterable<B>) {
      const x = input(batch);
      tf.tidy(() => {
        forward(x);
      });
    }
  } finally {
    for (const [bn, momentum] of momenta) bn.momentum = momentum;
    model.train(wasTraining);
  }
}
