import type { Dataset, NdArray } from '@descent/data';
import { check } from '@descent/core';
import type { SplitData } from './decode.js';
import { IdxFormatError } from './errors.js';
import type { DatasetSpec, Split } from './specs.js';

/**
 * An MNIST-format dataset held in memory: all images in one `Uint8Array`
 * (47 MB for MNIST train), never as floats; `get(i)` returns a view of one
 * image (`[28, 28]`, uint8) and its label. Transforms make floats per batch.
 */
export class MnistDataset implements Dataset<[NdArray, number]> {
  readonly split: Split;
  readonly length: number;
  readonly rows: number;
  readonly cols: number;
  /** Every image, row-major, `length * rows * cols` bytes. */
  readonly images: Uint8Array;
  /** Every label, one byte each (torchvision's `targets`). */
  readonly labels: Uint8Array;
  readonly classes: readonly string[];
  /** Where the image and label files were read from. */
  readonly sources: readonly [string, string];
  private readonly shape: readonly number[];

  constructor(spec: DatasetSpec, data: SplitData) {
    check(data.split === 'train' || data.split === 'test', 'split', data.split, `Invalid split: ${JSON.stringify(data.split)} (expected "train" or "test")`);
    const { images, labels } = data;
    const [imgSrc, labSrc] = data.sources;
    if (images.dtype !== 'uint8' || images.shape.length !== 3) {
      throw new IdxFormatError(`${imgSrc}: ${spec.name} images must be a 3-dim uint8 IDX array, got ${images.shape.length}-dim ${images.dtype}`);
    }
    if (labels.dtype !== 'uint8' || labels.shape.length !== 1) {
      throw new IdxFormatError(`${labSrc}: ${spec.name} labels must be a 1-dim uint8 IDX array, got ${labels.shape.length}-dim ${labels.dtype}`);
    }
    if (images.shape[0] !== labels.shape[0]) {
      throw new IdxFormatError(`${spec.name} ${data.split}: ${images.shape[0]} images (${imgSrc}) but ${labels.shape[0]} labels (${labSrc})`);
    }
    const lab = labels.data as Uint8Array;
    for (let i = 0; i < lab.length; i++) {
      if (lab[i] >= spec.classes.length) throw new IdxFormatError(`${labSrc}: label ${i} is ${lab[i]}, but ${spec.name} has ${spec.classes.length} classes`);
    }
    this.split = data.split;
    this.length = images.shape[0];
    this.rows = images.shape[1];
    this.cols = images.shape[2];
    this.images = images.data as Uint8Array;
    this.labels = lab;
    this.classes = spec.classes;
    this.sources = data.sources;
    this.shape = [this.rows, this.cols];
  }

  /** Sample `index`: the image as a `[rows, cols]` uint8 view (no copy) and its label. */
  get(index: number): [NdArray, number] {
    check(Number.isInteger(index) && index >= 0 && index < this.length, 'index', index, `Invalid index: ${index} (dataset has ${this.length} samples)`);
    const size = this.rows * this.cols;
    return [{ data: this.images.subarray(index * size, (index + 1) * size), shape: this.shape }, this.labels[index]];
  }

  /** How many samples each class has. */
  classCounts(): number[] {
    const counts = new Array<number>(this.classes.length).fill(0);
    for (let i = 0; i < this.labels.length; i++) counts[this.labels[i]]++;
    return counts;
  }
}
