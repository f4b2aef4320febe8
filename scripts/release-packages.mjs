// The published packages (every packages/* that is not private), packed as `pnpm publish` packs them,
// and their tarball sizes against the committed budget (test/package-sizes.json).
//
//   node scripts/release-packages.mjs                  pack, print each tarball's size, fail over budget
//   node scripts/release-packages.mjs --update-budget  pack and write the sizes as the new budget
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { PNPM_VERSION } from './pnpm.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BUDGET_FILE = join(root, 'test', 'package-sizes.json');
/** A tarball may grow this much past its budget before the check fails. */
export const BUDGET_TOLERANCE = 0.1;

/** Every packages/* folder with a manifest that is not private, whatever its name: new packages join by themselves. */
export function publishedPackages() {
  const dir = join(root, 'packages');
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .filter((d) => existsSync(join(d, 'package.json')))
    .map((d) => ({ dir: d, manifest: JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => !manifest.private)
    .map(({ dir: d, manifest }) => ({ name: manifest.name, version: manifest.version, dir: d, manifest }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The regular files of a .tgz: path inside the package, size and contents, read from its tar headers. */
export function readTarball(tarball) {
  const tar = gunzipSync(readFileSync(tarball));
  const entries = [];
  let longName;
  for (let off = 0; off + 512 <= tar.length; ) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start, length) => header.subarray(start, start + length).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const prefix = field(345, 155);
    const body = tar.subarray(off + 512, off + 512 + size);
    if (type === 'L') longName = body.toString('utf8').replace(/\0.*$/s, '');
    else if (type === '0' || type === '7') {
      const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
      entries.push({ path: name.replace(/^package\//, ''), size, body });
      longName = undefined;
    }
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

/** Runs the pinned pnpm asynchronously in `cwd`; resolves with its stdout, rejects with its output on failure. */
function pnpmAsync(args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['-y', `pnpm@${PNPM_VERSION}`, ...args], { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`pnpm ${args.join(' ')} in ${cwd} failed (exit ${code}):\n${stdout}\n${stderr}`))));
  });
}

/**
 * `pnpm pack`s every published package into `dest` (workspace: ranges become versions, as `pnpm publish`
 * writes them) and describes each tarball: its files, manifest, packed and unpacked bytes. One pnpm per
 * package, in its folder: a recursive, filtered `pnpm -r pack` cannot resolve the workspace: range of a
 * devDependency outside the filter.
 */
export async function packAll(dest, packages = publishedPackages(), concurrency = 3) {
  const queue = [...packages];
  const results = new Map();
  const worker = async () => {
    for (let p = queue.shift(); p; p = queue.shift()) {
      const out = await pnpmAsync(['pack', '--pack-destination', dest, '--json'], p.dir);
      results.set(p.name, JSON.parse(out.slice(out.search(/^[[{]/m))));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return packages.map((p) => {
    const r = results.get(p.name);
    const files = readTarball(r.filename);
    return {
      name: p.name,
      version: r.version,
      dir: p.dir,
      tarball: r.filename,
      files: files.map((f) => f.path),
      /** The manifest as published (workspace: ranges replaced). */
      manifest: JSON.parse(files.find((f) => f.path === 'package.json')?.body.toString('utf8') ?? '{}'),
      packedBytes: statSync(r.filename).size,
      unpackedBytes: files.reduce((sum, f) => sum + f.size, 0),
    };
  });
}

export function readBudget() {
  return existsSync(BUDGET_FILE) ? JSON.parse(readFileSync(BUDGET_FILE, 'utf8')) : {};
}

/** Each tarball against its budget: `ok` unless it is more than BUDGET_TOLERANCE past it, or has none. */
export function checkBudget(packed, budget = readBudget()) {
  return packed.map((p) => {
    const budgetBytes = budget[p.name]?.packedBytes;
    const limitBytes = budgetBytes === undefined ? undefined : Math.floor(budgetBytes * (1 + BUDGET_TOLERANCE));
    return { name: p.name, packedBytes: p.packedBytes, unpackedBytes: p.unpackedBytes, budgetBytes, limitBytes, ok: limitBytes !== undefined && p.packedBytes <= limitBytes };
  });
}

const kB = (n) => (n === undefined ? '-' : `${(n / 1000).toFixed(1)} kB`);

export function sizeTable(rows) {
  const lines = rows.map((r) => {
    const change = r.budgetBytes ? `${(((r.packedBytes - r.budgetBytes) / r.budgetBytes) * 100).toFixed(1)}%` : 'no budget';
    return [r.name, kB(r.packedBytes), kB(r.unpackedBytes), kB(r.budgetBytes), change, r.budgetBytes === undefined ? 'NO BUDGET' : r.ok ? 'ok' : 'OVER'];
  });
  const head = ['package', 'tarball', 'unpacked', 'budget', 'vs budget', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  return [head, ...lines].map((l) => l.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd()).join('\n');
}

/** Writes the sizes as the budget, atomically. */
export function writeBudget(packed) {
  const budget = Object.fromEntries(packed.map((p) => [p.name, { packedBytes: p.packedBytes, unpackedBytes: p.unpackedBytes }]));
  const tmp = `${BUDGET_FILE}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(budget, null, 2)}\n`);
  renameSync(tmp, BUDGET_FILE);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dest = mkdtempSync(join(tmpdir(), 'descent-pack-'));
  try {
    const packed = await packAll(dest);
    if (process.argv.includes('--update-budget')) {
      writeBudget(packed);
      console.log(`wrote ${BUDGET_FILE}`);
    }
    const rows = checkBudget(packed);
    console.log(sizeTable(rows));
    const over = rows.filter((r) => !r.ok);
    if (over.length) {
      console.error(
        `\n${over.map((r) => r.name).join(', ')}: more than ${BUDGET_TOLERANCE * 100}% over budget, or no budget committed. ` +
          'If the growth is intended, run `node scripts/release-packages.mjs --update-budget` and commit test/package-sizes.json.',
      );
      process.exitCode = 1;
    }
  } finally {
    rmSync(dest, { recursive: true, force: true });
  }
}
