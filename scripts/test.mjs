// The whole test suite: install, provision real WebGPU drivers and datasets, build, test.
// Ends with one line `N passed, N failed`, which CI reads.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pnpm } from './pnpm.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

function step(name, status) {
  if (status !== 0) {
    console.error(`\n${name} failed (exit ${status})`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

step('install', pnpm(['install', '--frozen-lockfile']));
step('provision', spawnSync('bash', ['scripts/provision.sh'], { stdio: 'inherit' }).status ?? 1);
step('build', pnpm(['turbo', 'run', 'build', '--output-logs=errors-only']));

const out = join(root, '.test-results');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const report = join(out, 'vitest.json');
const status = pnpm(['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)]);

let passed = 0;
let failed = 0;
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed = r.numPassedTests ?? 0;
  // A file that fails to load counts once, so it cannot hide behind zero failed tests.
  const brokenFiles = (r.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
  failed = (r.numFailedTests ?? 0) + brokenFiles;
} else {
  failed = 1;
}
if (status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(status === 0 && failed === 0 ? 0 : 1);
