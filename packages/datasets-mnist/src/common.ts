// What both entries (Node and the portable one) export.
export { parseIdx, encodeIdx, IDX_TYPES, type IdxArray, type IdxDType } from './idx.js';
export { IdxFormatError, ChecksumError, DownloadError, DatasetNotFoundError, type DownloadAttempt } from './errors.js';
export { MNIST_SPEC, FASHION_MNIST_SPEC, type DatasetSpec, type FileSpec, type Split, type Checksum } from './specs.js';
export { MnistDataset } from './mnist-dataset.js';
export type { ChecksumOption, SplitData } from './decode.js';
export type { DownloadOptions, Progress } from './download.js';
export { md5Hex } from './md5.js';
