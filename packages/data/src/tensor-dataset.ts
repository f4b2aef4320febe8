import * as tf from '@tensorflow/tfjs-core';
import { check, Generator } from '@descent/core';
import { stackSamples, transformAndStack } from './collate.js';
import { checkIndex, type Dataset } from './dataset.js';
import type { NdArray, Value } from './ndarray.js';
import { toTransforms, type TransformLike } from './transforms/transform.js';

/** A dataset that hands out a whole batch at once (torch's `__getitems__`): the DataLoader calls it instead of `get` per sample. */
export interface BatchDataset<T, B> extends Dataset<T> {
  /** The batch of the samples at `indices`, as new tensors the caller owns. */
  getItems(indices: Uint32Array): B;
}

/** Whether `dataset` hands out whole batches ({@link BatchDataset}). */
export function isBatchDataset<T>(dataset: Dataset<T>): dataset is BatchDataset<T, unknown> {
  return typeof (dataset as Partial<BatchDataset<T, unknown>>).getItems === 'function';
}

/** Options of {@link TensorDataset.from}. */
export interface TensorDatasetFromOptions {
  /** Deterministic transforms of the input (element 0 of a tuple sample, or the whole sample), applied once. */
  transform?: TransformLike | readonly TransformLike[];
  /** Deterministic transforms of the target (element 1 of a tuple sample), applied once. */
  targetTransform?: TransformLike | readonly TransformLike[];
}

/**
 * Samples that are the rows of tensors on the backend, like
 * `torch.utils.data.TensorDataset`: sample i is `[t0[i], t1[i], ...]`. A
 * DataLoader gathers each batch on the backend (one `tf.gather` per tensor),
 * so a batch costs no host work and uploads nothing but its indices: for
 * MNIST, the per-batch conversion of bytes to normalized floats is done once,
 * for the whole set, by {@link TensorDataset.from}.
 *
 * The dataset keeps its tensors (`tf.keep`) and owns them from then on:
 * {@link TensorDataset.dispose} frees them.
 */
export class TensorDataset<T extends tf.Tensor[] = tf.Tensor[]> implements BatchDataset<T, T> {
  readonly tensors: T;

  constructor(...tensors: T) {
    check(tensors.length > 0, 'tensors', tensors, 'TensorDataset needs at least one tensor');
    tensors.forEach((t, i) => check(t instanceof tf.Tensor && t.rank >= 1, `tensors[${i}]`, t, `Invalid tensors[${i}]: expected a tensor of rank 1 or more`));
    const n = tensors[0].shape[0];
    tensors.forEach((t, i) =>
      check(t.shape[0] === n, `tensors[${i}]`, t.shape, `Size mismatch between tensors: tensors[0] has ${n} rows, tensors[${i}] has shape ${JSON.stringify(t.shape)}`),
    );
    this.tensors = tensors.map((t) => tf.keep(t)) as T;
  }

  /**
   * The samples of `dataset` after deterministic `transform`s (those a loader
   * applies to a whole batch: `toFloat`, `normalize`, `reshape`, `flatten`,
   * `oneHot`), stacked once into tensors: the values a DataLoader with the
   * same transforms yields, bit for bit. A random transform (`randomCrop`)
   * would be frozen into the tensors, so it is refused.
   */
  static from(dataset: Dataset<unknown>, options: TensorDatasetFromOptions = {}): TensorDataset {
    check(typeof dataset === 'object' && dataset !== null && Number.isInteger(dataset.length) && dataset.length > 0 && typeof dataset.get === 'function', 'dataset', dataset, 'Invalid dataset: expected a non-empty { length, get(i) }');
    const transforms = toTransforms(options.transform, 'transform');
    const targetTransforms = toTransforms(options.targetTransform, 'targetTransform');
    for (const [name, list] of [['transform', transforms], ['targetTransform', targetTransforms]] as const) {
      const random = list.find((t) => !t.applyBatch);
      check(!random, name, random?.name, `TensorDataset.from: ${name} ${random?.name} is random (or per sample) and would be frozen into the tensors; keep it on a DataLoader over the dataset itself`);
    }
    const samples = Array.from({ length: dataset.length }, (_, i) => dataset.get(i));
    // Deterministic transforms never draw from it.
    const rng = new Generator(0);
    const field = (values: unknown[], list: typeof transforms) => (list.length ? transformAndStack(values as Value[], list, rng) : (stackSamples(values) as NdArray));
    const first = samples[0];
    let fields: NdArray[];
    if (Array.isArray(first)) {
      fields = first.map((_, f) => field(samples.map((s) => (s as unknown[])[f]), f === 0 ? transforms : f === 1 ? targetTransforms : []));
    } else {
      check(targetTransforms.length === 0, 'targetTransform', targetTransforms.map((t) => t.name), 'targetTransform needs tuple samples [input, target]');
      fields = [field(samples, transforms)];
    }
    return new TensorDataset(...fields.map((a) => tf.tensor(a.data, a.shape as number[], a.data instanceof Float32Array ? 'float32' : 'int32')));
  }

  get length(): number {
    return this.tensors[0].shape[0];
  }

  /** Sample `index`: one new tensor per tensor of the dataset (row `index`), owned by the caller. */
  get(index: number): T {
    checkIndex(index, this.length);
    return this.tensors.map((t) => tf.gather(t, index)) as T;
  }

  /** The rows at `indices` of every tensor, gathered on the backend; new tensors, owned by the caller. */
  getItems(indices: Uint32Array): T {
    for (let i = 0; i < indices.length; i++) checkIndex(indices[i], this.length);
    return tf.tidy(() => {
      const at = tf.tensor1d(Int32Array.from(indices), 'int32');
      return this.tensors.map((t) => tf.gather(t, at));
    }) as T;
  }

  /** Frees the tensors. */
  dispose(): void {
    tf.dispose(this.tensors);
  }
}
