// Every published package: lint its manifest (publint --strict), check its types
// resolve in every module mode (attw --pack), and import it from plain Node ESM and CJS.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const packagesDir = join(root, 'packages');
const packages = readdirSync(packagesDir)
  .map((name) => join(packagesDir, name))
  .filter((dir) => existsSync(join(dir, 'package.json')));

function manifest(dir: string) {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    name: string;
    sideEffects?: unknown;
    exports?: unknown;
    peerDependencies?: Record<string, string>;
    dependencies?: Record<string, string>;
  };
}

/** Packages whose entry files register on import, and those files. */
const SIDE_EFFECTS: Record<string, string[]> = {
  '@descent/core': ['./dist/index.js', './dist/index.cjs'],
};

it('finds the packages', () => {
  expect(packages.length).toBeGreaterThanOrEqual(1);
});

for (const dir of packages) {
  const pkg = manifest(dir);
  describe(pkg.name, () => {
    it('has an exports map, honest sideEffects, a README and tfjs-core as a peer', () => {
      expect(pkg.exports).toBeTypeOf('object');
      // false, or the built files that register something on import (core: gradients and chained ops),
      // so bundlers never drop them; conformance/test/tree-shaking.test.ts checks that with esbuild.
      if (pkg.sideEffects !== false) {
        expect(SIDE_EFFECTS[pkg.name], `${pkg.name}: sideEffects`).toEqual(pkg.sideEffects);
        for (const file of pkg.sideEffects as string[]) expect(existsSync(join(dir, file)), file).toBe(true);
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
  });
}
