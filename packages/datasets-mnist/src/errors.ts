import { brandErrorClass, DescentError } from '@descent/core';

/** A file that is not valid IDX: bad magic number, truncated, or dims that disagree with its length. */
export class IdxFormatError extends DescentError {
  override name = 'IdxFormatError';
  static {
    brandErrorClass(this, 'IdxFormatError');
  }
}

/** A file whose content does not hash to the expected digest. */
export class ChecksumError extends DescentError {
  override name = 'ChecksumError';
  static {
    brandErrorClass(this, 'ChecksumError');
  }
  constructor(
    readonly source: string,
    readonly algorithm: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${source}: ${algorithm} is ${actual}, expected ${expected} (the file is corrupt or not the one this dataset uses)`);
  }
}

/** One failed try of one URL. */
export interface DownloadAttempt {
  url: string;
  reason: string;
}

/** Every mirror failed; `attempts` lists each URL tried and why it failed. */
export class DownloadError extends DescentError {
  override name = 'DownloadError';
  static {
    brandErrorClass(this, 'DownloadError');
  }
  constructor(
    readonly file: string,
    readonly attempts: DownloadAttempt[],
  ) {
    super(`Could not download ${file}; tried ${attempts.length === 0 ? 'no mirrors' : 'every mirror'}:\n${attempts.map((a) => `  ${a.url}: ${a.reason}`).join('\n')}`);
  }
}

/** No source had the dataset's files and downloading was not allowed. */
export class DatasetNotFoundError extends DescentError {
  override name = 'DatasetNotFoundError';
  static {
    brandErrorClass(this, 'DatasetNotFoundError');
  }
}
