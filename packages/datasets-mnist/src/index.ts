// The portable entry (browsers, workers): data arrives through fetch from URLs the app serves.
import { check } from '@descent/core';
import type { ChecksumOption, SplitData } from './decode.js';
import type { DownloadOptions } from './download.js';
import { DatasetNotFoundError } from './errors.js';
import { fetchSplit } from './fetch-source.js';
import { MnistDataset } from './mnist-dataset.js';
import { FASHION_MNIST_SPEC, MNIST_SPEC, type DatasetSpec, type Split } from './specs.js';

export * from './common.js';

/**
 * Options of `MNIST.load()` and `FashionMNIST.load()` in browsers: which split, the URL the files are served from, how to check them.
 */
export interface MnistOptions extends DownloadOptions {
  split?: Split;
  /**
   * Base URL the app serves the files from; each is fetched as `<url><name>.gz`,
   * then as raw `<url><name>`. Relative URLs resolve against the page.
   */
  url?: string;
  /** Base URLs of `.gz` files tried in order when no `url` is given (the dataset's mirrors; they must allow CORS). */
  mirrors?: readonly string[];
  checksums?: ChecksumOption;
  /** Already loaded arrays (what `load` passes on). */
  data?: SplitData;
}

/** MNIST, like `torchvision.datasets.MNIST`. Here it loads asynchronously: `await MNIST.load({ split, url })`. */
export class MNIST extends MnistDataset {
  static readonly spec: DatasetSpec = MNIST_SPEC;

  constructor(options: MnistOptions = {}) {
    const spec = (new.target as typeof MNIST).spec;
    if (!options.data) {
      throw new DatasetNotFoundError(`${spec.name}: in this runtime the files load asynchronously; use \`await ${spec.name}.load({ split: ${JSON.stringify(options.split ?? 'train')}, url })\``);
    }
    super(spec, options.data);
  }

  /** The class names, in label order (torchvision's `classes`). */
  static get classes(): readonly string[] {
    return this.spec.classes;
  }

  /** Fetches, checks and parses one split. */
  static async load<T extends typeof MNIST>(this: T, options: MnistOptions = {}): Promise<InstanceType<T>> {
    const split = options.split ?? 'train';
    check(split === 'train' || split === 'test', 'split', split, `Invalid split: ${JSON.stringify(split)} (expected "train" or "test")`);
    const bases = options.url !== undefined ? [options.url] : (options.mirrors ?? this.spec.mirrors);
    const data = await fetchSplit(this.spec, split, bases, options.url !== undefined, options);
    return new this({ ...options, split, data }) as InstanceType<T>;
  }
}

/** Fashion-MNIST, like `torchvision.datasets.FashionMNIST`. */
export class FashionMNIST extends MNIST {
  static override readonly spec: DatasetSpec = FASHION_MNIST_SPEC;
}
