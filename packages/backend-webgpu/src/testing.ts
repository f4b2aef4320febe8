// @descent/backend-webgpu/testing: the software Vulkan drivers a test runs Dawn
// on, by name (Node only). scripts/provision.d/webgpu.sh installs them and lists
// their ICD files in .cache/webgpu-drivers/icd.json at the repository root, found
// from the working directory up. A test file picks one by setting
// VK_ICD_FILENAMES before Dawn starts; vitest's forks pool runs each test file in
// its own process, so one driver per file.
import { existsSync, readFileSync } from 'node:fs';
import { DescentError } from '@descent/core';
import { dirname, join, resolve } from 'node:path';

/** The software Vulkan drivers `scripts/provision.d/webgpu.sh` installs for the tests. */
export type Driver = 'swiftshader' | 'lavapipe';

const INDEX = join('.cache', 'webgpu-drivers', 'icd.json');

/** `.cache/webgpu-drivers/icd.json` in the working directory or the nearest folder above that has one. */
function findIndex(): string {
  for (let dir = resolve(process.cwd()); ; dir = dirname(dir)) {
    if (existsSync(join(dir, INDEX))) return join(dir, INDEX);
    if (dirname(dir) === dir) throw new DescentError(`no ${INDEX} in ${process.cwd()} or above: run \`bash scripts/provision.d/webgpu.sh\` (as root) first`);
  }
}

/** The ICD json of a provisioned driver; throws (never skips) when it is missing. */
export function icdPath(driver: Driver): string {
  const index = findIndex();
  const path = (JSON.parse(readFileSync(index, 'utf8')) as Record<string, string>)[driver];
  if (!path || !existsSync(path)) throw new DescentError(`the ${driver} ICD (${path}) listed in ${index} is missing: rerun scripts/provision.d/webgpu.sh`);
  return path;
}

/** Makes this process's Vulkan loader see only `driver`. Call before the adapter initializes. */
export function useDriver(driver: Driver): string {
  const path = icdPath(driver);
  process.env.VK_ICD_FILENAMES = path;
  delete process.env.VK_DRIVER_FILES;
  return path;
}
