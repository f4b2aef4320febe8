// The Vulkan drivers scripts/provision.d/webgpu.sh installs, by name. A test
// file picks one by setting VK_ICD_FILENAMES before Dawn starts; vitest's
// forks pool runs each test file in its own process, so one driver per file.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Driver = 'swiftshader' | 'lavapipe';

export const repoRoot = join(import.meta.dirname, '..', '..', '..');
const index = join(repoRoot, '.cache', 'webgpu-drivers', 'icd.json');

/** The ICD json of a provisioned driver; throws (never skips) when it is missing. */
export function icdPath(driver: Driver): string {
  if (!existsSync(index)) throw new Error(`${index} is missing: run \`bash scripts/provision.d/webgpu.sh\` (as root) first`);
  const path = (JSON.parse(readFileSync(index, 'utf8')) as Record<string, string>)[driver];
  if (!path || !existsSync(path)) throw new Error(`the ${driver} ICD (${path}) listed in ${index} is missing: rerun scripts/provision.d/webgpu.sh`);
  return path;
}

/** Makes this process's Vulkan loader see only `driver`. Call before the adapter initializes. */
export function useDriver(driver: Driver): string {
  const path = icdPath(driver);
  process.env.VK_ICD_FILENAMES = path;
  delete process.env.VK_DRIVER_FILES;
  return path;
}
