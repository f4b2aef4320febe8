import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, formatValue } from '@descent/core';
import type { DataLoaderState } from '@descent/data';

/** A training loader: one epoch per iteration, `length` batches each (a @descent/data `DataLoader`). */
export interface TrainLoader<B = unknown> extends AsyncIterable<B> {
  readonly length: number;
  /** The position to resume from (needed for checkpoints). */
  stateDict?(): DataLoaderState;
  /** Restores {@link TrainLoader.stateDict}'s output. */
  loadStateDict?(state: DataLoaderState): void;
}

/** Batches to evaluate or predict on: any (async) iterable of batches, a DataLoader included. */
export type EvalLoader<B = unknown> = AsyncIterable<B> | Iterable<B>;

/** A batch as `[x, y]` (what DataLoader yields for `[input, target]` samples) or `{ x, y }`. */
export function splitBatch(batch: unknown): { x: tf.Tensor; y: tf.Tensor | undefined } {
  let x: unknown;
  let y: unknown;
  if (batch instanceof tf.Tensor) x = batch;
  else if (Array.isArray(batch)) [x, y] = batch;
  else if (typeof batch === 'object' && batch !== null && 'x' in batch) ({ x, y } = batch as { x: unknown; y?: unknown });
  if (!(x instanceof tf.Tensor) || (y !== undefined && !(y instanceof tf.Tensor))) {
    throw new InvalidArgumentError('batch', formatValue(batch instanceof Object ? Object.keys(batch) : batch), 'A batch must be [x, y] or { x, y } of tf.Tensors (a DataLoader over [input, target] samples yields [x, y])');
  }
  return { x, y: y as tf.Tensor | undefined };
}

export function needTarget(y: tf.Tensor | undefined): tf.Tensor {
  if (!y) throw new InvalidArgumentError('batch', 'x only', 'Training and evaluation need batches with targets: [x, y] or { x, y }');
  return y;
}
