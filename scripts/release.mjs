// pnpm release: version the packages from the pending changesets, build, check every package as
// published, publish them to npm, tag the release. `pnpm release --dry-run` versions nothing, commits
// nothing and writes nothing to a registry: it shows the release plan, builds, checks and runs
// `pnpm publish -r --dry-run`.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNPM_VERSION } from './pnpm.mjs';
import { publishedPackages, root } from './release-packages.mjs';

/**
 * `pnpm publish -r` as the release runs it; the test command runs the dry run through this too.
 * @param {{ dryRun?: boolean, registry?: string }} [options]
 */
export function publishArgs({ dryRun = false, registry } = {}) {
  return [
    'publish',
    '-r',
    // Scoped packages are private on npm unless published public (changesets' `access` is for `changeset publish`).
    '--access',
    'public',
    ...(dryRun ? ['--dry-run', '--no-git-checks'] : []),
    ...(registry ? ['--registry', registry] : []),
  ];
}

function step(title, cmd, args) {
  console.log(`\n▸ ${title}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`\n${title} failed (exit ${r.status})`);
    process.exit(r.status ?? 1);
  }
}

const pnpmArgs = (args) => ['-y', `pnpm@${PNPM_VERSION}`, ...args];

function gitStatus() {
  return spawnSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' }).stdout.trim();
}

function main() {
  const dryRun = process.argv.includes('--dry-run');
  if (!dryRun && gitStatus()) {
    console.error('pnpm release needs a clean working tree (it commits the version bump): commit or stash first.');
    process.exit(1);
  }
  if (dryRun) {
    step('release plan', 'npx', pnpmArgs(['changeset', 'status', '--verbose']));
  } else {
    // Bumps every published package to one version (.changeset/config.json: fixed) and writes the CHANGELOGs.
    step('version', 'npx', pnpmArgs(['changeset', 'version']));
    step('lockfile', 'npx', pnpmArgs(['install', '--lockfile-only']));
  }
  step('build', 'npx', pnpmArgs(['turbo', 'run', 'build', '--output-logs=errors-only']));
  // publint --strict, attw, files, declared imports, no bundled peers, the size budget: test/packages.test.ts.
  step('package checks', 'npx', pnpmArgs(['vitest', 'run', '--project', 'repo', 'test/packages.test.ts']));
  if (!dryRun && gitStatus()) {
    const version = publishedPackages()[0]?.version;
    step('commit', 'git', ['add', '-A', '.changeset', 'pnpm-lock.yaml', ...publishedPackages().map((p) => join(p.dir, '.'))]);
    step('commit', 'git', ['commit', '-m', `release: v${version} (changeset version)`]);
  }
  step('publish', 'npx', pnpmArgs(publishArgs({ dryRun })));
  if (!dryRun) {
    // A git tag per package (`@descent/core@0.2.0`), for the packages just published.
    step('tag', 'npx', pnpmArgs(['changeset', 'tag']));
    console.log('\nPublished. Push the release commit and its tags: git push --follow-tags');
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
