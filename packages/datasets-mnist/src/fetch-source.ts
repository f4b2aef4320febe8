import { decodeFile, decodeSplit, expectedChecksum, type ChecksumOption, type Codec, type Found, type SplitData } from './decode.js';
import { downloadFirst, type DownloadOptions } from './download.js';
import { md5Hex } from './md5.js';
import type { DatasetSpec, Split } from './specs.js';
import { runAsync } from './steps.js';

/** Hashing with WebCrypto (md5 in JavaScript) and gunzip with DecompressionStream: browsers, workers, Deno, Node. */
export const webCodec: Codec = {
  async digest(algorithm, bytes) {
    if (algorithm === 'md5') return md5Hex(bytes);
    const hash = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
    return Array.from(new Uint8Array(hash), (b) => b.toString(16).padStart(2, '0')).join('');
  },
  async gunzip(bytes) {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  },
};

export function joinUrl(base: string, name: string): string {
  return base.endsWith('/') ? base + name : `${base}/${name}`;
}

export interface FetchSplitOptions extends DownloadOptions {
  checksums?: ChecksumOption;
}

/**
 * Fetches and checks one split from base URLs: each file as `<base><name>.gz`,
 * and also as raw `<base><name>` when `raw` is set (an app may serve either).
 * A corrupt file counts as a failed mirror.
 */
export async function fetchSplit(spec: DatasetSpec, split: Split, bases: readonly string[], raw: boolean, options: FetchSplitOptions, codec: Codec = webCodec): Promise<SplitData> {
  const fetchFile = async (kind: 'images' | 'labels'): Promise<Found> => {
    const file = spec.files[split][kind];
    const urls = bases.flatMap((b) => (raw ? [joinUrl(b, `${file.name}.gz`), joinUrl(b, file.name)] : [joinUrl(b, `${file.name}.gz`)]));
    return downloadFirst(
      `${file.name}.gz`,
      urls,
      async (bytes, url) => {
        const found = { bytes, source: url };
        // Check before accepting, so a corrupt mirror makes way for the next one.
        await runAsync(decodeFile(found, expectedChecksum(file, options.checksums), codec));
        return found;
      },
      options,
    );
  };
  const images = await fetchFile('images');
  const labels = await fetchFile('labels');
  return runAsync(decodeSplit(spec, split, { images, labels }, options.checksums, codec));
}
