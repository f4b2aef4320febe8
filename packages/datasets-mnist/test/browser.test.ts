// The portable entry, as browsers load it: fetch from URLs the app serves, WebCrypto and
// DecompressionStream (all present in Node too), checked against the Node entry's result.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as web from '../src/index.js';
import { MNIST as NodeMNIST, DEBIAN_FASHION_MNIST_DIR, mnistDataDir } from '../src/node.js';
import { startMirror, type MirrorServer } from './server.js';

const files: Record<string, Uint8Array> = {};
const wrong: Record<string, Uint8Array> = {};
for (const f of Object.values(web.MNIST_SPEC.files.test)) {
  const raw = readFileSync(join(mnistDataDir()!, f.name));
  files[`mnist/${f.name}.gz`] = gzipSync(raw, { level: 1 });
  files[`mnist/${f.name}`] = raw;
  const changed = Uint8Array.from(raw);
  changed[20] ^= 0xff;
  wrong[`mnist/${f.name}.gz`] = gzipSync(changed, { level: 1 });
}
for (const f of Object.values(web.FASHION_MNIST_SPEC.files.test)) files[`fashion/${f.name}.gz`] = readFileSync(join(DEBIAN_FASHION_MNIST_DIR, `${f.name}.gz`));

let server: MirrorServer;
let fetches: string[] = [];
// The page's fetch, recording what it asks for.
const pageFetch: typeof fetch = (input, init) => {
  fetches.push(String(input));
  return fetch(input, init);
};
beforeAll(async () => {
  server = await startMirror(files, wrong);
});
afterAll(() => server.close());

describe('the portable (browser) entry', () => {
  it('loads MNIST through fetch with the same bytes and checks as Node', async () => {
    fetches = [];
    const ds = await web.MNIST.load({ split: 'test', url: `${server.base}/ok/mnist/`, fetch: pageFetch });
    expect(fetches).toEqual([`${server.base}/ok/mnist/t10k-images-idx3-ubyte.gz`, `${server.base}/ok/mnist/t10k-labels-idx1-ubyte.gz`]);
    const node = new NodeMNIST({ split: 'test' });
    expect(ds.length).toBe(10000);
    expect(Array.from(ds.labels.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
    expect(ds.classCounts()).toEqual(node.classCounts());
    expect(Buffer.from(ds.images).equals(Buffer.from(node.images))).toBe(true);
    expect(ds).toBeInstanceOf(web.MNIST);
  });

  it('loads Debian Fashion-MNIST .gz files, and falls back to raw files when the app serves those', async () => {
    const fashion = await web.FashionMNIST.load({ split: 'test', url: `${server.base}/ok/fashion`, fetch: pageFetch });
    expect(fashion.classCounts()).toEqual(new Array(10).fill(1000));
    expect(fashion.classes[fashion.labels[0]]).toBe('Ankle boot');
    fetches = [];
    const raw = await web.MNIST.load({ split: 'test', url: `${server.base}/raw/mnist/`, fetch: pageFetch });
    expect(raw.sources).toEqual([`${server.base}/raw/mnist/t10k-images-idx3-ubyte`, `${server.base}/raw/mnist/t10k-labels-idx1-ubyte`]);
    expect(fetches).toHaveLength(4);
  });

  it('rejects a wrong checksum and lists every URL; md5 checks work without node:crypto', async () => {
    const err = await web.MNIST.load({ split: 'test', url: `${server.base}/wrong/mnist/`, fetch: pageFetch, retries: 0 }).catch((e) => e);
    expect(err).toBeInstanceOf(web.DownloadError);
    expect(err.message).toMatch(/wrong\/mnist\/t10k-images-idx3-ubyte.gz: sha256 of the decompressed data is [0-9a-f]{64}, expected 0fa7898d/);
    expect(err.message).toMatch(/wrong\/mnist\/t10k-images-idx3-ubyte: HTTP 404/);
    const f = web.MNIST_SPEC.files.test;
    const md5 = await web.MNIST.load({ split: 'test', url: `${server.base}/ok/mnist/`, checksums: { [f.images.name]: { md5: f.images.md5 }, [f.labels.name]: { md5: f.labels.md5 } } });
    expect(md5.length).toBe(10000);
    expect(web.md5Hex(new TextEncoder().encode('The quick brown fox jumps over the lazy dog'))).toBe('9e107d9d372bb6826bd81d3542a419d6');
    expect(web.md5Hex(new Uint8Array(0))).toBe('d41d8cd98f00b204e9800998ecf8427e');
  });

  it('says how to load when constructed without data', () => {
    expect(() => new web.MNIST({ split: 'test' })).toThrow(web.DatasetNotFoundError);
    expect(() => new web.FashionMNIST({ split: 'test' })).toThrow('FashionMNIST: in this runtime the files load asynchronously; use `await FashionMNIST.load({ split: "test", url })`');
  });

  it.each(['src/index.ts', 'dist/index.js'])('%s bundles for the browser with no Node built-ins', async (entry) => {
    const result = await build({
      entryPoints: [join(import.meta.dirname, '..', entry)],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
      external: ['@tensorflow/tfjs-core'],
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((i) => /node\.(ts|js)$/.test(i))).toBe(false);
    expect(inputs.filter((i) => i.startsWith('node:') || /^(fs|zlib|http|os|path|crypto)$/.test(i))).toEqual([]);
    const code = result.outputFiles[0].text;
    expect(code).not.toMatch(/from ["']node:|require\(["']node:/);
    expect(code).toContain('DecompressionStream');
  });
});
