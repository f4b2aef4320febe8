#!/usr/bin/env node
// Writes packages/nn/test/fixtures/descent-<name>.safetensors: the seeded Descent twins
// of packages/nn/test/modules/twins.ts (manualSeed per model), as moduleToSafetensors
// writes them. It runs the Descent → torch half of packages/nn/test/modules/parity.test.ts
// with DESCENT_UPDATE_FIXTURES=1, which writes the files instead of only comparing them,
// so the files come from exactly the code the test checks. Then:
//
//   /usr/bin/python3 tools/check_descent_safetensors.py   # torch loads them, records descent-torch.json
//
//   node tools/gen_nn_descent_files.mjs
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const r = spawnSync(
  join(root, 'node_modules', '.bin', 'vitest'),
  ['run', '--project', 'nn', 'test/modules/parity.test.ts', '-t', 'Descent → torch'],
  { cwd: root, stdio: 'inherit', env: { ...process.env, DESCENT_UPDATE_FIXTURES: '1' } },
);
process.exit(r.status ?? 1);
