// The Quick start's main job: install, build, and train an MLP on real MNIST.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pnpm } from './pnpm.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
for (const args of [['install', '--frozen-lockfile'], ['turbo', 'run', 'build', '--output-logs=errors-only']]) {
  const status = pnpm(args);
  if (status !== 0) process.exit(status);
}
const r = spawnSync('node', ['train.mjs', ...process.argv.slice(2)], { cwd: join(root, 'examples/train-mlp'), stdio: 'inherit' });
process.exit(r.status ?? 1);
