// Runs the pinned pnpm without assuming it is installed globally: a fresh machine has only Node and npm.
import { execFileSync, spawnSync } from 'node:child_process';

export const PNPM_VERSION = '10.34.9';

function globalPnpmMatches() {
  try {
    return execFileSync('pnpm', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() === PNPM_VERSION;
  } catch {
    return false;
  }
}

const direct = globalPnpmMatches();

/** Runs pnpm with `args`, inheriting stdio; returns the exit status. */
export function pnpm(args, options = {}) {
  const [cmd, full] = direct ? ['pnpm', args] : ['npx', ['-y', `pnpm@${PNPM_VERSION}`, ...args]];
  const r = spawnSync(cmd, full, { stdio: 'inherit', ...options });
  return r.status ?? 1;
}
