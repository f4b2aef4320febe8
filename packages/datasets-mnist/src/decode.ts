import { ChecksumError, IdxFormatError } from './errors.js';
import { parseIdx, type IdxArray } from './idx.js';
import type { Checksum, DatasetSpec, FileSpec, Split } from './specs.js';

/** Hashing and gunzip for one runtime; each may answer synchronously or with a promise. */
export interface Codec {
  digest(algorithm: 'sha256' | 'md5', bytes: Uint8Array): string | Promise<string>;
  gunzip(bytes: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/** A file's bytes and where they came from (a path or URL), for error messages. */
export interface Found {
  bytes: Uint8Array;
  source: string;
}

/** `false` turns checks off; an object replaces the expected digests of the named files (raw name, e.g. `train-images-idx3-ubyte`). */
export type ChecksumOption = false | Record<string, Checksum>;

export function expectedChecksum(file: FileSpec, option: ChecksumOption | undefined): Checksum | undefined {
  if (option === false) return undefined;
  return option?.[file.name] ?? { sha256: file.sha256 };
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function* verify(source: string, bytes: Uint8Array, expected: { sha256?: string; md5?: string } | undefined, codec: Codec, what: string): Generator<unknown, void, unknown> {
  for (const algorithm of ['sha256', 'md5'] as const) {
    const want = expected?.[algorithm];
    if (!want) continue;
    const got = (yield codec.digest(algorithm, bytes)) as string;
    if (got.toLowerCase() !== want.toLowerCase()) throw new ChecksumError(source, `${algorithm}${what}`, want.toLowerCase(), got);
  }
}

/** Gunzips (when the bytes are gzip) and checks a file; returns the raw IDX bytes. */
export function* decodeFile(found: Found, expected: Checksum | undefined, codec: Codec): Generator<unknown, Uint8Array, unknown> {
  let raw = found.bytes;
  if (isGzip(raw)) {
    yield* verify(found.source, raw, expected?.gz, codec, ' of the .gz file');
    try {
      raw = (yield codec.gunzip(raw)) as Uint8Array;
    } catch (err) {
      throw new IdxFormatError(`${found.source}: corrupt or truncated gzip data (${(err as Error).message})`);
    }
  }
  yield* verify(found.source, raw, expected, codec, isGzip(found.bytes) ? ' of the decompressed data' : '');
  return raw;
}

/** The checked, parsed arrays of one split. */
export interface SplitData {
  split: Split;
  images: IdxArray;
  labels: IdxArray;
  /** Where the image and label files came from. */
  sources: [string, string];
}

export function* decodeSplit(
  spec: DatasetSpec,
  split: Split,
  files: { images: Found; labels: Found },
  checksums: ChecksumOption | undefined,
  codec: Codec,
): Generator<unknown, SplitData, unknown> {
  const { images, labels } = spec.files[split];
  const imageBytes = yield* decodeFile(files.images, expectedChecksum(images, checksums), codec);
  const labelBytes = yield* decodeFile(files.labels, expectedChecksum(labels, checksums), codec);
  return {
    split,
    images: parseIdx(imageBytes, files.images.source),
    labels: parseIdx(labelBytes, files.labels.source),
    sources: [files.images.source, files.labels.source],
  };
}
