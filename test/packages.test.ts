// Every published package, checked as published: lint its manifest (publint --strict), check its types
// resolve in every module mode (attw --pack), import it from plain Node ESM and CJS, and read the tarball
// `pnpm pack` wrote (pack.setup.ts): no tests or fixtures in it, no workspace: range, every import it
// makes declared, no peer (nor tfjs-core's engine) bundled in, and its size within the committed budget.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { BUDGET_TOLERANCE, checkBudget, readBudget, sizeTable } from '../scripts/release-packages.mjs';
import { tarballs, type Packed } from './pack.setup.ts';

const root = join(import.meta.dirname, '..');
const packagesDir = join(root, 'packages');
const packages = readdirSync(packagesDir)
  .map((name) => join(packagesDir, name))
  .filter((dir) => existsSync(join(dir, 'package.json')));

interface Manifest {
  name: string;
  private?: boolean;
  files?: string[];
  sideEffects?: unknown;
  exports?: unknown;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dependencies?: Record<string, string>;
}

function manifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

const packed = inject('packed');
const tarballOf = (name: string): Packed => {
  const found = tarballs(packed).find((p) => p.name === name);
  if (!found) throw new Error(`no tarball for ${name}`);
  return found;
};

/** Paths a published package must not hold: tests, fixtures, snapshots. */
const TEST_PATH = /(^|\/)(test|tests|__tests__|__fixtures__|fixtures?|__snapshots__)(\/|$)|\.(test|spec)\.[cm]?[jt]sx?$/;

/** The packages a built file imports: static and dynamic `import`, `export … from`, `require`, with a literal name. */
function importedPackages(code: string): Set<string> {
  const found = new Set<string>();
  const patterns = [/\bfrom\s*["']([^"']+)["']/g, /\bimport\s*["']([^"']+)["']/g, /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g, /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g];
  for (const pattern of patterns) {
    for (const [, spec] of code.matchAll(pattern)) {
      if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:') || spec.includes(':')) continue;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      if (!builtinModules.includes(name)) found.add(name);
    }
  }
  return found;
}

/**
 * The code of other packages a built file's source map lists, i.e. bundled into it: each source resolved
 * from the map, as a package name and the module inside it. tfjs-core's own maps point at its TypeScript
 * (`…/tfjs-core/src/engine.ts`); a sibling workspace package resolves to `packages/<folder>/`.
 */
function bundledSources(mapFile: string, ownDir: string): { pkg: string; module: string }[] {
  const { sources, sourceRoot = '' } = JSON.parse(readFileSync(mapFile, 'utf8')) as { sources: string[]; sourceRoot?: string };
  return sources.flatMap((source) => {
    const path = resolve(dirname(mapFile), sourceRoot, source);
    const core = /\/tfjs-core\/(?:src|dist)\/(.+)\.[jt]s$/.exec(path);
    if (core) return [{ pkg: '@tensorflow/tfjs-core', module: core[1] }];
    const inModules = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(path);
    if (inModules && !inModules[1].startsWith('.')) return [{ pkg: inModules[1], module: inModules[2] }];
    const sibling = new RegExp(`^${packagesDir}/([^/]+)/(.*)$`).exec(path);
    if (sibling && join(packagesDir, sibling[1]) !== ownDir && existsSync(join(packagesDir, sibling[1], 'package.json'))) {
      return [{ pkg: manifest(join(packagesDir, sibling[1])).name, module: sibling[2] }];
    }
    return [];
  });
}

/**
 * tfjs-core's modules that hold its state: the engine, the Tensor class, the kernel and gradient registries,
 * the environment and flags, the backends. A package that bundles one of these runs a second copy beside the
 * app's. (tfjs-core's gradient and chained-op registrations, which its entry does not load, may be bundled:
 * they run once, against the app's tfjs-core.)
 */
const TFJS_CORE_STATE = /^(engine|tensor|tape|environment|flags|global_util|kernel_registry|base|index)$|^(backends|platforms)\//;

it('finds the packages', () => {
  expect(packages.length).toBeGreaterThanOrEqual(1);
});

for (const dir of packages) {
  const pkg = manifest(dir);
  describe(pkg.name, () => {
    it('has an exports map, honest sideEffects, a README and tfjs-core as a peer', () => {
      expect(pkg.exports).toBeTypeOf('object');
      // false, or the built files that register something on import (core: gradients and chained ops), so
      // bundlers never drop them: test/pack-install.test.ts bundles a bare import of every entry point with
      // esbuild and compares what it registers; conformance/test/tree-shaking.test.ts checks core's.
      if (pkg.sideEffects !== false) {
        expect(Array.isArray(pkg.sideEffects), `${pkg.name}: sideEffects is false or a list of files`).toBe(true);
        const files = pkg.sideEffects as string[];
        // A glob (`./dist/chunk-*.js`: tsup's hashed ESM chunks, where shared code that registers lives) must match a file.
        const matches = (pattern: string) => {
          if (!pattern.includes('*')) return existsSync(join(dir, pattern));
          const folder = join(dir, dirname(pattern));
          const re = new RegExp(`^${basename(pattern).replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`);
          return existsSync(folder) && readdirSync(folder).some((f) => re.test(f));
        };
        for (const file of files) expect(matches(file), file).toBe(true);
        // The ESM and CJS builds register alike (tsup's CJS build has no chunks, so globs have no twin).
        for (const file of files.filter((f) => f.endsWith('.js') && !f.includes('*'))) expect(files, `${file}'s CJS twin`).toContain(file.replace(/\.js$/, '.cjs'));
      }
      expect(existsSync(join(dir, 'README.md'))).toBe(true);
      if (pkg.dependencies?.['@tensorflow/tfjs-core']) throw new Error('tfjs-core must be a peerDependency, not a dependency');
    });

    it('passes publint --strict', async () => {
      const { messages, pkg: json } = await publint({ pkgDir: dir, strict: true, level: 'warning' });
      expect(messages.map((m) => formatMessage(m, json))).toEqual([]);
    });

    it('passes attw --pack (node16 profile)', () => {
      const bin = join(root, 'node_modules', '.bin', 'attw');
      const r = spawnSync(bin, ['--pack', dir, '--profile', 'node16', '--format', 'ascii', '--no-color'], { encoding: 'utf8' });
      expect(r.status, r.stdout + r.stderr).toBe(0);
    });

    it('typechecks in strict mode (tsc --noEmit)', () => {
      const tsc = join(root, 'node_modules', '.bin', 'tsc');
      const r = spawnSync(tsc, ['--noEmit', '-p', dir], { encoding: 'utf8' });
      expect(r.status, r.stdout + r.stderr).toBe(0);
    });

    it('imports from a plain Node ESM script and from a CJS script', () => {
      // A package can import itself by name through its exports map.
      const esm = execFileSync(
        'node',
        ['--input-type=module', '-e', `const m = await import('${pkg.name}'); console.log(Object.keys(m).length)`],
        { cwd: dir, encoding: 'utf8' },
      );
      const cjs = execFileSync('node', ['-e', `const m = require('${pkg.name}'); console.log(Object.keys(m).length)`], {
        cwd: dir,
        encoding: 'utf8',
      });
      expect(Number(esm.trim())).toBeGreaterThan(0);
      expect(Number(cjs.trim())).toBe(Number(esm.trim()));
    });

    if (pkg.private) return;

    it('publishes its build, README and CHANGELOG, and no tests or fixtures', () => {
      const { files } = tarballOf(pkg.name);
      expect(pkg.files, 'files').toContain('CHANGELOG.md');
      expect((pkg.files ?? []).filter((f) => TEST_PATH.test(f)), 'files entries').toEqual([]);
      expect(files.filter((f) => TEST_PATH.test(f)), 'files in the tarball').toEqual([]);
      expect(files).toContain('README.md');
      expect(files.some((f) => f.startsWith('dist/')), 'dist/ in the tarball').toBe(true);
    });

    it('publishes versions, not workspace: ranges', () => {
      const published = tarballOf(pkg.name).manifest;
      expect(JSON.stringify(published)).not.toContain('workspace:');
      // workspace:^ becomes ^ of the sibling's current version (workspace:* the version itself).
      for (const [name, range] of Object.entries({ ...published.dependencies, ...published.peerDependencies } as Record<string, string>)) {
        const sibling = tarballs(packed).find((p) => p.name === name);
        if (sibling) expect([`^${sibling.version}`, sibling.version], name).toContain(range);
      }
    });

    it('declares every package its built files import (a peer where the app shares the instance)', () => {
      const { files, manifest: published } = tarballOf(pkg.name);
      const declared = new Set([pkg.name, ...Object.keys({ ...published.dependencies, ...published.peerDependencies })]);
      const undeclared = new Map<string, string>();
      for (const file of files.filter((f) => /\.(m|c)?js$/.test(f))) {
        for (const name of importedPackages(readFileSync(join(dir, file), 'utf8'))) if (!declared.has(name)) undeclared.set(name, file);
      }
      expect([...undeclared].map(([name, file]) => `${name} (imported by ${file})`)).toEqual([]);
      // tfjs-core holds the engine, the registries and the Tensor class: one copy, the app's.
      const usesCore = files.some((f) => /\.(m|c)?js$/.test(f) && importedPackages(readFileSync(join(dir, f), 'utf8')).has('@tensorflow/tfjs-core'));
      if (usesCore) {
        expect(published.peerDependencies?.['@tensorflow/tfjs-core'], 'tfjs-core in peerDependencies').toBeDefined();
        expect(published.dependencies?.['@tensorflow/tfjs-core'], 'tfjs-core in dependencies').toBeUndefined();
      }
    });

    it('bundles none of its peers, and never a second tfjs-core engine, Tensor class or registry', () => {
      const { files, manifest: published } = tarballOf(pkg.name);
      const peers = Object.keys(published.peerDependencies ?? {}).filter((p) => p !== '@tensorflow/tfjs-core');
      const inlined: string[] = [];
      for (const map of files.filter((f) => f.endsWith('.js.map') || f.endsWith('.cjs.map'))) {
        const sources = bundledSources(join(dir, map), dir);
        const built = map.replace(/\.map$/, '');
        for (const peer of peers) if (sources.some((s) => s.pkg === peer)) inlined.push(`${peer} in ${built}`);
        for (const s of sources) if (s.pkg === '@tensorflow/tfjs-core' && TFJS_CORE_STATE.test(s.module)) inlined.push(`@tensorflow/tfjs-core's ${s.module} in ${built}`);
      }
      // Without source maps, the engine singleton's global gives a bundled engine away.
      for (const js of files.filter((f) => /\.(m|c)?js$/.test(f))) {
        if (readFileSync(join(dir, js), 'utf8').includes('_tfengine')) inlined.push(`@tensorflow/tfjs-core's engine (_tfengine) in ${js}`);
      }
      expect([...new Set(inlined)]).toEqual([]);
    });

    it(`keeps its tarball within ${BUDGET_TOLERANCE * 100}% of the committed size budget`, () => {
      const [row] = checkBudget([tarballOf(pkg.name)], readBudget());
      expect(
        row.budgetBytes,
        `${pkg.name} has no size budget: run node scripts/release-packages.mjs --update-budget and commit test/package-sizes.json`,
      ).toBeDefined();
      expect(
        row.packedBytes,
        `${pkg.name}: ${row.packedBytes} bytes, budget ${row.budgetBytes}; if intended, run node scripts/release-packages.mjs --update-budget`,
      ).toBeLessThanOrEqual(row.limitBytes!);
    });
  });
}

afterAll(() => {
  // Each tarball's size, in the test output.
  if (packed.tarballs) console.info(`tarball sizes (budget: test/package-sizes.json, +${BUDGET_TOLERANCE * 100}% allowed)\n${sizeTable(checkBudget(packed.tarballs))}`);
});
