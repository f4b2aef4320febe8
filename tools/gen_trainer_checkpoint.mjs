#!/usr/bin/env node
// Writes packages/trainer/test/fixtures/torch-checkpoint/: the checkpoint of the seeded
// training run in packages/trainer/test/torch-checkpoint.test.ts (a conv net, AdamW, a
// warmup-cosine schedule, float16 AMP, cpu backend). It runs that test with
// DESCENT_UPDATE_FIXTURES=1, which copies the checkpoint instead of comparing it, so the
// files come from exactly the code the test checks. Then:
//
//   /usr/bin/python3 tools/check_trainer_checkpoint.py   # torch reads it, records torch-checkpoint.json
//
//   node tools/gen_trainer_checkpoint.mjs   (after building: pnpm turbo run build --filter=@descent/trainer...)
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const r = spawnSync(
  join(root, 'node_modules', '.bin', 'vitest'),
  ['run', '--project', 'trainer', 'test/torch-checkpoint.test.ts'],
  { cwd: root, stdio: 'inherit', env: { ...process.env, DESCENT_UPDATE_FIXTURES: '1' } },
);
process.exit(r.status ?? 1);
