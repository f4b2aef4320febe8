// Node built-ins, loaded only when a Node-only feature runs (checkpoints, metric
// files, plots), so that the package bundles for browsers. The specifier is a
// variable so that bundlers leave it alone.
import { DescentError } from '@descent/core';
import type * as FsPromises from 'node:fs/promises';
import type * as Path from 'node:path';
import type * as Crypto from 'node:crypto';
import type * as Zlib from 'node:zlib';

/** `import(specifier)` that bundlers do not follow. */
export const load = (specifier: string): Promise<unknown> => import(/* @vite-ignore */ specifier);

export interface NodeModules {
  fs: typeof FsPromises;
  path: typeof Path;
  crypto: typeof Crypto;
  zlib: typeof Zlib;
}

let cached: Promise<NodeModules> | undefined;

export function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === 'string';
}

/** fs/promises, path and crypto; throws outside Node, naming the feature that needs them. */
export function node(feature: string): Promise<NodeModules> {
  if (!isNode()) return Promise.reject(new DescentError(`${feature} needs Node's file system (it is not available in this runtime)`));
  cached ??= Promise.all([load('node:fs/promises'), load('node:path'), load('node:crypto'), load('node:zlib')]).then(([fs, path, crypto, zlib]) => ({
    fs: fs as typeof FsPromises,
    path: ((path as { default?: typeof Path }).default ?? path) as typeof Path,
    crypto: crypto as typeof Crypto,
    zlib: zlib as typeof Zlib,
  }));
  return cached;
}

/** Writes a file and flushes it to disk. */
export async function writeFileSynced(m: NodeModules, file: string, data: Uint8Array | string): Promise<void> {
  const handle = await m.fs.open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a directory's entries (a rename inside it) to disk, where the platform allows. */
export async function syncDir(m: NodeModules, dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof m.fs.open>> | undefined;
  try {
    handle = await m.fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows cannot open a directory; its renames are durable enough.
  } finally {
    await handle?.close();
  }
}

/** Replaces `file` atomically: write a temporary file beside it, flush, rename. */
export async function writeFileAtomic(m: NodeModules, file: string, data: Uint8Array | string): Promise<void> {
  const dir = m.path.dirname(file);
  await m.fs.mkdir(dir, { recursive: true });
  const tmp = m.path.join(dir, `.${m.path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    await writeFileSynced(m, tmp, data);
    await m.fs.rename(tmp, file);
  } catch (err) {
    await m.fs.rm(tmp, { force: true });
    throw err;
  }
  await syncDir(m, dir);
}
