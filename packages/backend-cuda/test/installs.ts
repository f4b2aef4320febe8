// Temporary installs of the real @tensorflow/tfjs-node(-gpu) 4.22.0 for the error
// tests. The workspace has the real packages as this package's optional peers,
// with their install scripts never run (pnpm-workspace.yaml): their files and
// loader code are real, the addon and libtensorflow are absent. A test copies one
// into a temp node_modules (its dependencies linked), then breaks it the way
// users' installs break: no addon, a file that is no library, an addon whose
// libraries are missing. Nothing here imitates TensorFlow.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export type RealPackage = '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node';

const require = createRequire(import.meta.url);
// Neither build is linked in: a test installs the one it wants.
const REAL: readonly string[] = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

/** The real package's folder in the workspace. */
export function realPackageDir(name: RealPackage): string {
  return dirname(require.resolve(`${name}/package.json`));
}

export interface TempInstall {
  /** The app folder: resolve from here (`createCudaAdapter({ resolveFrom: root })`). */
  root: string;
  /** The copied package folder. */
  dir: string;
  /** node-pre-gyp's addon path for this Node: lib/napi-v8/tfjs_binding.node. */
  addon: string;
}

/** Copies the real package into `<tmp>/node_modules/<name>` and links its dependencies beside it, except `omit`. */
export function tempInstall(name: RealPackage, options: { omit?: string[]; version?: string } = {}): TempInstall {
  const root = mkdtempSync(join(tmpdir(), 'descent-cuda-'));
  const real = realPackageDir(name);
  const dir = join(root, 'node_modules', name);
  cpSync(real, dir, { recursive: true, dereference: true, filter: (src) => !src.startsWith(join(real, 'node_modules')) });
  // pnpm keeps a package's dependencies in the node_modules folder that holds it,
  // and hoists the rest (tfjs-node requires @tensorflow/tfjs-core, which only npm's
  // flat layout puts beside it) into node_modules/.pnpm/node_modules: link both, as a flat install has them.
  // A package the workspace root depends on itself (tfjs-core is a root devDependency) is not
  // hoisted there but sits in the root's node_modules: link from that too.
  const own = dirname(dirname(real));
  const hoisted = join(own, '..', '..', 'node_modules');
  const workspace = join(hoisted, '..', '..');
  for (const deps of [own, hoisted, workspace]) {
    for (const entry of readdirSync(deps)) {
      const scoped = entry.startsWith('@') ? readdirSync(join(deps, entry)).map((n) => `${entry}/${n}`) : [entry];
      for (const dep of scoped) {
        const to = join(root, 'node_modules', dep);
        if (REAL.includes(dep) || dep.startsWith('.') || options.omit?.includes(dep) || existsSync(to)) continue;
        mkdirSync(dirname(to), { recursive: true });
        symlinkSync(join(deps, dep), to);
      }
    }
  }
  if (options.version) {
    const manifest = join(dir, 'package.json');
    const json = JSON.parse(readFileSync(manifest, 'utf8'));
    writeFileSync(manifest, JSON.stringify({ ...json, version: options.version }, null, 2));
  }
  return { root, dir, addon: join(dir, 'lib', `napi-v${napiV()}`, 'tfjs_binding.node') };
}

/** The N-API build node-pre-gyp picks from tfjs-node's napi_versions (3 to 8). */
export function napiV(): number {
  return Math.min(8, Number(process.versions.napi));
}

/** Writes a file that is no shared library where the addon goes (a cut-off download). */
export function writeJunkAddon(install: TempInstall): void {
  mkdirSync(dirname(install.addon), { recursive: true });
  writeFileSync(install.addon, 'this is not an ELF shared object\n'.repeat(64));
}

/**
 * Builds a real ELF addon whose DT_NEEDED names `needed` (`libtensorflow.so.2`,
 * `libcudart.so.11.0`), which then do not exist: dlopen fails exactly as it does
 * for users who lack them. Needs a C compiler (cc).
 */
export function writeAddonNeeding(install: TempInstall, needed: string[]): void {
  const work = mkdtempSync(join(tmpdir(), 'descent-cuda-elf-'));
  try {
    writeFileSync(join(work, 'stub.c'), 'int descent_stub(void) { return 0; }\n');
    writeFileSync(join(work, 'addon.c'), 'extern int descent_stub(void);\nint descent_addon(void) { return descent_stub(); }\n');
    const cc = (args: string[]) => execFileSync('cc', args, { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
    for (const lib of needed) cc(['-shared', '-fPIC', '-o', lib, `-Wl,-soname,${lib}`, 'stub.c']);
    mkdirSync(dirname(install.addon), { recursive: true });
    cc(['-shared', '-fPIC', '-o', install.addon, 'addon.c', '-L.', ...needed.map((l) => `-l:${l}`)]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
