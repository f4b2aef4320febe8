// The release flow (scripts/release.mjs, CONTRIBUTING.md): `changeset version` on a copy of the workspace's
// manifests, and `pnpm publish -r --dry-run` against a local stand-in registry that records every request.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PNPM_VERSION } from '../scripts/pnpm.mjs';
import { publishArgs } from '../scripts/release.mjs';
import { publishedPackages } from '../scripts/release-packages.mjs';

const root = join(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'descent-release-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every workspace folder with a manifest, from pnpm-workspace.yaml's `packages` globs (`dir` or `dir/*`). */
function workspaceDirs(): string[] {
  const yaml = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const globs = [...yaml.split(/^\S.*:\s*$/m)[1].matchAll(/^\s+-\s+['"]?([^'"\s]+)['"]?\s*$/gm)].map((m) => m[1]);
  return globs
    .flatMap((g) => (g.endsWith('/*') ? readdirSync(join(root, g.slice(0, -2))).map((d) => `${g.slice(0, -2)}/${d}`) : [g]))
    .filter((d) => existsSync(join(root, d, 'package.json')));
}

const version = (dir: string, pkg: string) => JSON.parse(readFileSync(join(dir, pkg, 'package.json'), 'utf8')).version as string;

/** A copy of the workspace's manifests and .changeset/, with one more changeset, versioned by `changeset version`. */
function versionCopy(name: string, changeset: string) {
  const dir = join(work, name);
  const dirs = workspaceDirs();
  for (const d of dirs) {
    mkdirSync(join(dir, d), { recursive: true });
    cpSync(join(root, d, 'package.json'), join(dir, d, 'package.json'));
  }
  for (const f of ['package.json', 'pnpm-workspace.yaml']) cpSync(join(root, f), join(dir, f));
  cpSync(join(root, '.changeset'), join(dir, '.changeset'), { recursive: true });
  writeFileSync(join(dir, '.changeset', 'release-test.md'), changeset);
  // The changelog generator and the CLI resolve from the repository's node_modules; git gives the entries their commit.
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  const git = (...args: string[]) => spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('-c', 'user.name=test', '-c', 'user.email=test@example.com', 'commit', '-qm', 'copy');
  const r = spawnSync('node', [join(root, 'node_modules', '@changesets', 'cli', 'bin.js'), 'version'], { cwd: dir, encoding: 'utf8' });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  return { dir, dirs };
}

const published = publishedPackages();
const relative = (p: { dir: string }) => p.dir.slice(root.length + 1);
const ORDER = ['patch', 'minor', 'major'] as const;
type Bump = (typeof ORDER)[number];
const bump = (v: string, part: Bump) => {
  const [major, minor, patch] = v.split('.').map(Number);
  return part === 'major' ? `${major + 1}.0.0` : part === 'minor' ? `${major}.${minor + 1}.0` : `${major}.${minor}.${patch + 1}`;
};
/** The largest bump the changesets already in .changeset/ ask for (they are versioned too). */
function pendingBump(): Bump | undefined {
  const texts = readdirSync(join(root, '.changeset'))
    .filter((f) => f.endsWith('.md') && f !== 'README.md')
    .map((f) => readFileSync(join(root, '.changeset', f), 'utf8').split('---')[1] ?? '');
  const asked = texts.flatMap((t) => [...t.matchAll(/:\s*['"]?(patch|minor|major)/g)].map((m) => m[1] as Bump));
  return asked.sort((a, b) => ORDER.indexOf(b) - ORDER.indexOf(a))[0];
}

describe('changesets', () => {
  it('the published packages share one version', () => {
    expect(new Set(published.map((p) => p.version)).size).toBe(1);
  });

  for (const part of ['minor', 'patch'] as const) {
    it(`a ${part} changeset for one package bumps every published package to one version (0.x stays 0.x), with a CHANGELOG each`, () => {
      const current = published[0].version;
      const pending = pendingBump();
      const next = bump(current, pending && ORDER.indexOf(pending) > ORDER.indexOf(part) ? pending : part);
      const { dir, dirs } = versionCopy(part, `---\n'@descent/optim': ${part}\n---\n\nRelease test: a ${part} change in optim.\n`);
      // One version for all (fixed); a 0.x peer dependent (trainer of optim) gets the minor, not 1.0.0.
      for (const p of published) {
        expect(version(dir, relative(p)), p.name).toBe(next);
        const changelog = readFileSync(join(dir, relative(p), 'CHANGELOG.md'), 'utf8');
        expect(changelog.startsWith(`# ${p.name}\n\n## ${next}\n`), `${p.name} CHANGELOG.md`).toBe(true);
      }
      expect(readFileSync(join(dir, 'packages', 'optim', 'CHANGELOG.md'), 'utf8')).toContain(`Release test: a ${part} change in optim.`);
      // Examples, bench and conformance are private: never versioned, no CHANGELOG.
      for (const d of dirs.filter((d) => !published.some((p) => relative(p) === d))) {
        expect(version(dir, d), d).toBe(version(root, d));
        expect(existsSync(join(dir, d, 'CHANGELOG.md')), `${d}/CHANGELOG.md`).toBe(false);
      }
      // Every changeset consumed; internal ranges stay workspace:^ (pnpm publish writes the version).
      expect(readdirSync(join(dir, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md')).toEqual([]);
      expect(readFileSync(join(dir, 'packages', 'trainer', 'package.json'), 'utf8')).toContain('"@descent/optim": "workspace:^"');
    });
  }
});

describe('pnpm publish -r --dry-run', () => {
  it('publishes every package, each at its version, and writes nothing to the registry', async () => {
    // A stand-in registry: it knows no package (so each is "new") and records what it is asked.
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    // No credentials: an empty user config, no token variables.
    const npmrc = join(work, 'empty-npmrc');
    writeFileSync(npmrc, '');
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/TOKEN|^npm_config_/i.test(k)));
    const child = spawn('npx', ['-y', `pnpm@${PNPM_VERSION}`, ...publishArgs({ dryRun: true, registry })], {
      cwd: root,
      env: { ...env, npm_config_userconfig: npmrc },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise((resolve) => child.on('close', resolve));
    server.close();
    expect(code, out.slice(-4000)).toBe(0);
    const listed = [...out.matchAll(/^\+ (\S+)@(\S+)$/gm)].map((m) => `${m[1]}@${m[2]}`).sort();
    expect(listed).toEqual(published.map((p) => `${p.name}@${p.version}`).sort());
    expect(out).toContain('(dry-run)');
    // It asked which versions exist (GET) and wrote nothing.
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((r) => !/^(GET|HEAD) /.test(r))).toEqual([]);
  });
});
