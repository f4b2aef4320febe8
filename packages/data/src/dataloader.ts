import * as tf from '@tensorflow/tfjs-core';
import { check, checkPositiveInt, Generator, type GeneratorState } from '@descent/core';
import { type Batch, stackSamples, toTensors, transformAndStack } from './collate.js';
import type { Dataset } from './dataset.js';
import type { Value } from './ndarray.js';
import { later } from './schedule.js';
import { isBatchDataset } from './tensor-dataset.js';
import { toTransforms, type Transform, type TransformLike } from './transforms/transform.js';

/** Options of {@link DataLoader}, torch's keyword arguments in lowerCamelCase. */
export interface DataLoaderOptions<T, B> {
  /** Samples per batch (torch's default, 1). */
  batchSize?: number;
  /** A new random order every epoch, drawn from `generator` (or `seed`). */
  shuffle?: boolean;
  /** Seed of the loader's generator when none is given (0). */
  seed?: number;
  /** The generator that draws each epoch's order and augmentation stream. */
  generator?: Generator;
  /** Drop the last batch when it is smaller than `batchSize`. */
  dropLast?: boolean;
  /** Transforms of the input: element 0 of a tuple sample, or the whole sample. */
  transform?: TransformLike | readonly TransformLike[];
  /** Transforms of the target: element 1 of a tuple sample. */
  targetTransform?: TransformLike | readonly TransformLike[];
  /**
   * Replaces the default collation (stack each field into one tensor). Any
   * tensors it returns are owned by the loader like the default ones.
   */
  collate?: (samples: T[]) => B;
  /** Batches prepared ahead while the training step awaits (2; 0 turns it off). */
  prefetch?: number;
  /**
   * The loader disposes each batch's tensors when the next one is requested or
   * the loop ends (true). With false, the caller owns and disposes them.
   */
  autoDispose?: boolean;
}

/** What a loader's state dict holds: enough to replay the following epochs exactly. */
export interface DataLoaderState {
  epoch: number;
  generator: GeneratorState;
}

type Slot<B> = { batch: B } | { error: unknown };

/**
 * Batches of a dataset as tfjs tensors, like `torch.utils.data.DataLoader`.
 *
 * ```ts
 * const loader = new DataLoader(mnist, { batchSize: 64, shuffle: true, seed: 0,
 *   transform: [toFloat(), normalize(0.1307, 0.3081), flatten()], targetTransform: oneHot(10) });
 * for await (const [x, y] of loader) step(x, y);
 * ```
 *
 * Ownership: a batch's tensors belong to the loader. They stay valid until the
 * next batch is requested or the loop ends (by finishing, `break` or a throw),
 * and then the loader disposes them. Clone a tensor to keep it, or pass
 * `autoDispose: false` to own every batch yourself.
 *
 * Each iteration is one epoch. Its order is drawn from the loader's generator
 * when it starts, so a seed fixes every epoch's order and each epoch differs.
 */
export class DataLoader<T, B = Batch<T>> implements AsyncIterable<B>, Iterable<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly prefetch: number;
  readonly autoDispose: boolean;
  readonly generator: Generator;
  private readonly transforms: Transform[];
  private readonly targetTransforms: Transform[];
  private readonly collateFn?: (samples: T[]) => B;
  private epochCount = 0;

  constructor(
    readonly dataset: Dataset<T>,
    options: DataLoaderOptions<T, B> = {},
  ) {
    check(typeof dataset === 'object' && dataset !== null && Number.isInteger(dataset.length) && typeof dataset.get === 'function', 'dataset', dataset, 'Invalid dataset: expected { length, get(i) }');
    this.batchSize = options.batchSize ?? 1;
    checkPositiveInt('batchSize', this.batchSize);
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.prefetch = options.prefetch ?? 2;
    check(Number.isInteger(this.prefetch) && this.prefetch >= 0, 'prefetch', this.prefetch);
    this.autoDispose = options.autoDispose ?? true;
    this.generator = options.generator ?? new Generator(options.seed ?? 0);
    this.transforms = toTransforms(options.transform, 'transform');
    this.targetTransforms = toTransforms(options.targetTransform, 'targetTransform');
    check(!options.collate || typeof options.collate === 'function', 'collate', options.collate);
    check(!options.collate || (this.transforms.length === 0 && this.targetTransforms.length === 0), 'collate', 'function', 'A custom collate applies its own transforms: pass either collate or transform/targetTransform');
    this.collateFn = options.collate;
    check(
      !isBatchDataset(dataset) || (this.transforms.length === 0 && this.targetTransforms.length === 0),
      'transform',
      [...this.transforms, ...this.targetTransforms].map((t) => t.name),
      'A TensorDataset (or any dataset with getItems) hands out finished batches: apply deterministic transforms once in TensorDataset.from, or load the dataset itself for random ones',
    );
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** Epochs started so far. */
  get epoch(): number {
    return this.epochCount;
  }

  /**
   * The epoch count and the generator's state: call between epochs; {@link DataLoader.loadStateDict} replays the following epochs exactly.
   */
  stateDict(): DataLoaderState {
    return { epoch: this.epochCount, generator: this.generator.getState() };
  }

  /** Restores {@link DataLoader.stateDict}'s output. */
  loadStateDict(state: DataLoaderState): void {
    check(typeof state === 'object' && state !== null && Number.isInteger(state.epoch) && state.epoch >= 0, 'state.epoch', state?.epoch);
    this.generator.setState(state.generator);
    this.epochCount = state.epoch;
  }

  /** One epoch of batches, prefetched while the caller awaits (`for await`). */
  [Symbol.asyncIterator](): AsyncIterator<B> {
    return this.start(this.prefetch);
  }

  /** Synchronous iteration (no prefetching), for loops that never await. */
  [Symbol.iterator](): Iterator<B> {
    const it = this.start(0);
    return { next: () => it.nextSync(), return: () => it.close() };
  }

  private start(prefetch: number): EpochIterator<B> {
    const n = this.dataset.length;
    const order = this.shuffle ? this.generator.permutation(n) : Uint32Array.from({ length: n }, (_, i) => i);
    // Augmentations get their own stream, seeded from the loader's, so their
    // draws never shift the next epoch's order.
    const rng = new Generator(this.generator.nextUint32());
    this.epochCount++;
    return new EpochIterator(this.length, prefetch, this.autoDispose, (b) => this.makeBatch(order.subarray(b * this.batchSize, Math.min(n, (b + 1) * this.batchSize)), rng));
  }

  private makeBatch(indices: Uint32Array, rng: Generator): B {
    // A batch gathered by the dataset itself (on the backend, for a TensorDataset); kept, like every batch, for the loader.
    if (isBatchDataset(this.dataset) && !this.collateFn) return keepAll(this.dataset.getItems(indices)) as B;
    const samples: T[] = new Array(indices.length);
    for (let i = 0; i < indices.length; i++) samples[i] = this.dataset.get(indices[i]);
    if (this.collateFn) return toTensors(this.collateFn(samples)) as B;
    const first = samples[0] as unknown;
    if (this.transforms.length === 0 && this.targetTransforms.length === 0) return toTensors(stackSamples(samples)) as B;
    if (!Array.isArray(first)) {
      check(this.targetTransforms.length === 0, 'targetTransform', this.targetTransforms.map((t) => t.name), 'targetTransform needs tuple samples [input, target]');
      return toTensors(transformAndStack(samples as Value[], this.transforms, rng)) as B;
    }
    const fields = first.map((_, f) => {
      const values = samples.map((s) => (s as unknown as Value[])[f]);
      const ts = f === 0 ? this.transforms : f === 1 ? this.targetTransforms : [];
      return ts.length ? transformAndStack(values, ts, rng) : stackSamples(values);
    });
    return toTensors(fields) as B;
  }
}

function keepAll(batch: unknown): unknown {
  if (batch instanceof tf.Tensor) return tf.keep(batch);
  if (Array.isArray(batch)) batch.forEach(keepAll);
  else if (typeof batch === 'object' && batch !== null) Object.values(batch).forEach(keepAll);
  return batch;
}

/** One epoch: yields batches in order, keeps up to `prefetch` ready ahead, disposes what it owns. */
class EpochIterator<B> implements AsyncIterator<B> {
  private nextToMake = 0;
  private readonly ready: Slot<B>[] = [];
  private current: B | undefined;
  private closed = false;
  private scheduled = false;

  constructor(
    private readonly numBatches: number,
    private readonly prefetch: number,
    private readonly autoDispose: boolean,
    private readonly make: (batch: number) => B,
  ) {}

  private makeOne(): void {
    const b = this.nextToMake++;
    try {
      this.ready.push({ batch: this.make(b) });
    } catch (error) {
      this.ready.push({ error });
    }
  }

  private schedule(): void {
    if (this.scheduled || this.closed || this.ready.length >= this.prefetch || this.nextToMake >= this.numBatches) return;
    this.scheduled = true;
    later(() => {
      this.scheduled = false;
      if (this.closed || this.ready.length >= this.prefetch || this.nextToMake >= this.numBatches) return;
      this.makeOne();
      this.schedule();
    });
  }

  private releaseCurrent(): void {
    if (this.current !== undefined && this.autoDispose) tf.dispose(this.current as tf.TensorContainer);
    this.current = undefined;
  }

  nextSync(): IteratorResult<B> {
    this.releaseCurrent();
    if (this.closed) return { value: undefined, done: true };
    if (this.ready.length === 0) {
      if (this.nextToMake >= this.numBatches) return this.close();
      this.makeOne();
    }
    const slot = this.ready.shift()!;
    if ('error' in slot) {
      this.close();
      throw slot.error;
    }
    this.current = slot.batch;
    this.schedule();
    return { value: slot.batch, done: false };
  }

  async next(): Promise<IteratorResult<B>> {
    return this.nextSync();
  }

  /** Called by `break`, a throw in the loop body, or the end: disposes the current and prefetched batches. */
  close(): IteratorResult<B> {
    this.releaseCurrent();
    this.closed = true;
    for (const slot of this.ready.splice(0)) if ('batch' in slot) tf.dispose(slot.batch as tf.TensorContainer);
    return { value: undefined, done: true };
  }

  async return(): Promise<IteratorResult<B>> {
    return this.close();
  }
}
