// Runs every bench/src/*.mjs (or those named on the command line), each in its own
// process, then joins bench/results/*.md into docs/benchmarks.md.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
// `--assemble` only rejoins bench/results/*.md (after running one bench by hand).
const assembleOnly = process.argv.includes('--assemble');
const only = process.argv.slice(2).filter((a) => a !== '--assemble');
const benches = readdirSync(join(here, 'src'))
  .filter((f) => f.endsWith('.mjs') && !f.startsWith('_'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();

for (const file of assembleOnly ? [] : benches) {
  console.log(`\n=== bench/src/${file}`);
  const r = spawnSync('node', [join(here, 'src', file)], { stdio: 'inherit', cwd: here });
  if (r.status !== 0) console.error(`bench ${file} failed with exit ${r.status}; keeping its previous results`);
}

// Foundation first, then each package's sections; anything else after them, by name.
const ORDER = ['step-cpu-wasm', 'gemm', 'webgpu-step', 'mnist-epoch', 'train-epoch', 'cnn-step', 'cpu-kernels', 'optim-step', 'optim-algorithms', 'lr-steps', 'amp-round', 'amp-autocast', 'mnist-load'];
const rank = (f) => {
  const i = ORDER.indexOf(f.replace(/\.md$/, ''));
  return i === -1 ? ORDER.length : i;
};
const resultsDir = join(here, 'results');
const sections = existsSync(resultsDir)
  ? readdirSync(resultsDir)
      .filter((f) => f.endsWith('.md'))
      .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
      .map((f) => readFileSync(join(resultsDir, f), 'utf8').trim())
  : [];
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const doc = `# Benchmarks

Written by \`npm run bench\` (bench/run.mjs), which runs each \`bench/src/*.mjs\` in its own process and
collects its section from \`bench/results/\`. Each section says when and where it was measured.
These machines are noisy: numbers are medians, and the ratios, measured in the same run, are what to compare.
Last assembled ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} × ${cpu}, Node ${process.version}.

${sections.join('\n\n')}
`;
writeFileSync(join(here, '..', 'docs', 'benchmarks.md'), doc);
console.log('\nwrote docs/benchmarks.md');
