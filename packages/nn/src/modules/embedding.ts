import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@descent/core';
import { normal_ } from '../init.js';
import { Module } from '../module.js';
import { positiveInt } from '../validate.js';

/** Options of {@link Embedding}. */
export interface EmbeddingOptions {
  /** A row that starts at zero and never gets a gradient (negative counts from the end), or null. */
  paddingIdx?: number | null;
}

/**
 * torch.nn.Embedding: a lookup table [numEmbeddings, embeddingDim] (the same layout
 * as torch's), initialized N(0, 1). Indices of any shape (int32) give
 * [...indices.shape, embeddingDim].
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  /** [numEmbeddings, embeddingDim]. */
  readonly weight: tf.Variable;

  constructor(numEmbeddings: number, embeddingDim: number, { paddingIdx = null }: EmbeddingOptions = {}) {
    super();
    this.numEmbeddings = positiveInt('numEmbeddings', numEmbeddings);
    this.embeddingDim = positiveInt('embeddingDim', embeddingDim);
    if (paddingIdx !== null) {
      if (!Number.isInteger(paddingIdx) || paddingIdx >= numEmbeddings || paddingIdx < -numEmbeddings) {
        throw new InvalidArgumentError('paddingIdx', paddingIdx, `Padding_idx must be within num_embeddings (got paddingIdx=${paddingIdx}, numEmbeddings=${numEmbeddings})`);
      }
      paddingIdx = paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
    }
    this.paddingIdx = paddingIdx;
    this.weight = this.registerParameter('weight', tf.zeros([numEmbeddings, embeddingDim]));
    this.resetParameters();
  }

  /** torch's `reset_parameters`: N(0, 1), then the padding row zeroed. */
  resetParameters(): void {
    normal_(this.weight);
    // + 0 turns the −0 of negative values times 0 into torch's +0.
    if (this.paddingIdx !== null) tf.tidy(() => this.weight.assign(tf.add(tf.mul(this.weight, this.#rowMask()), 0)));
  }

  /** `[numEmbeddings, 1]`: 1 everywhere but 0 on the padding row. */
  #rowMask(): tf.Tensor {
    return tf.reshape(tf.oneHot([this.paddingIdx!], this.numEmbeddings, 0, 1, 'float32'), [this.numEmbeddings, 1]);
  }

  forward(indices: tf.Tensor): tf.Tensor {
    if (indices.dtype !== 'int32') {
      throw new InvalidArgumentError('input', indices.dtype, `Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got ${indices.dtype} instead`);
    }
    if (this.paddingIdx === null) return tf.gather(this.weight, indices, 0);
    return tf.tidy(() => {
      const flat = tf.reshape(indices, [-1]);
      // The forward reads the row as it is; only the gradient skips the padding row, as torch's.
      // The indices are saved for the backward pass: this tidy disposes `flat` before it runs.
      const lookup = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
        const [weight, save] = args as [tf.Tensor, tf.GradSaveFunc];
        save([flat]);
        return {
          value: tf.gather(weight, flat, 0),
          gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
            tf.mul(tf.unsortedSegmentSum(dy, saved[0] as tf.Tensor1D, this.numEmbeddings), this.#rowMask()),
        };
      });
      return tf.reshape(lookup(this.weight), [...indices.shape, this.embeddingDim]);
    });
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === null ? '' : `, paddingIdx=${this.paddingIdx}`}`;
  }
}
