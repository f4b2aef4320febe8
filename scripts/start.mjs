// The Quick start's main job: install, build, and `descent train mnist` (the default recipe,
// a 784-256-10 MLP on real MNIST) through the built bin. Extra arguments go to it:
// `npm start -- --model cnn`, `npm start -- --backend webgpu --epochs 1`.
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
const r = spawnSync('node', [join(root, 'packages/cli/dist/bin.js'), 'train', 'mnist', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
