// `npm run bench`: install (jax-js comes with the bench workspace), provision the
// peers (WebGPU drivers as the tests do, then PyTorch and OpenBLAS), build, and run
// bench/run.mjs, which rewrites docs/benchmarks.md. Arguments pick benches by name.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pnpm } from './pnpm.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

function step(name, status) {
  if (status !== 0) {
    console.error(`\n${name} failed (exit ${status})`);
    process.exit(1);
  }
}

const bash = (script) => spawnSync('bash', [script], { stdio: 'inherit' }).status ?? 1;
step('install', pnpm(['install', '--frozen-lockfile']));
step('provision', bash('scripts/provision.sh'));
for (const f of readdirSync('scripts/provision-bench.d').filter((f) => f.endsWith('.sh')).sort()) {
  console.log(`provision: scripts/provision-bench.d/${f}`);
  step(`provision ${f}`, bash(join('scripts/provision-bench.d', f)));
}
step('build', pnpm(['turbo', 'run', 'build', '--output-logs=errors-only']));
step('bench', spawnSync(process.execPath, ['bench/run.mjs', ...process.argv.slice(2)], { stdio: 'inherit' }).status ?? 1);
