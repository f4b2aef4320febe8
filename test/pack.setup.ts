// Packs every published package once for the whole `repo` project (the package checks and the
// pack-and-install test read the same tarballs) and removes them afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProvidedContext } from 'vitest';
import type { TestProject } from 'vitest/node';
import { packAll } from '../scripts/release-packages.mjs';

export interface Packed {
  name: string;
  version: string;
  dir: string;
  tarball: string;
  files: string[];
  manifest: Record<string, any>;
  packedBytes: number;
  unpackedBytes: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Every published package's tarball, or why packing failed (each test that needs them fails with it). */
    packed: { tarballs: Packed[]; error?: undefined } | { tarballs?: undefined; error: string };
  }
}

export default async function setup(project: TestProject) {
  const dest = mkdtempSync(join(tmpdir(), 'descent-tarballs-'));
  try {
    project.provide('packed', { tarballs: (await packAll(dest)) as Packed[] });
  } catch (err) {
    project.provide('packed', { error: (err as Error).message });
  }
  return () => rmSync(dest, { recursive: true, force: true });
}

/** The tarballs, or a throw with the reason they are missing. */
export function tarballs(packed: ProvidedContext['packed']): Packed[] {
  if (!packed.tarballs) throw new Error(`packing the packages failed: ${packed.error}`);
  return packed.tarballs;
}
