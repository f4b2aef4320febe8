// The Vulkan side of WebGPU in Node (Dawn runs on Vulkan on Linux): the loader and
// the drivers (ICDs) this process would see, read from disk without starting Dawn.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

const ICD_DIRS = ['/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/usr/share/vulkan/icd.d', '/usr/local/nvidia/share/vulkan/icd.d'];
const LOADER_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'];

export interface IcdFile {
  path: string;
  /** Its `ICD.library_path`, and whether that library exists (a bare name is left to the loader). */
  library?: string;
  libraryExists?: boolean;
  error?: string;
}

export interface VulkanSetup {
  /** libvulkan.so.1's path, if found. */
  loader?: string;
  /** VK_ICD_FILENAMES or VK_DRIVER_FILES, when one selects the drivers. */
  selectedBy?: string;
  icds: IcdFile[];
}

function readIcd(path: string): IcdFile {
  if (!existsSync(path)) return { path, error: 'does not exist' };
  try {
    const library = (JSON.parse(readFileSync(path, 'utf8')) as { ICD?: { library_path?: string } }).ICD?.library_path;
    if (!library) return { path, error: 'names no ICD.library_path' };
    const resolved = library.includes('/') ? (isAbsolute(library) ? library : join(dirname(path), library)) : undefined;
    return { path, library, ...(resolved ? { libraryExists: existsSync(resolved) } : {}) };
  } catch (err) {
    return { path, error: `is not valid JSON (${(err as Error).message})` };
  }
}

export function vulkanSetup(env: NodeJS.ProcessEnv = process.env): VulkanSetup {
  const ldPath = (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  const loader = [...ldPath, ...LOADER_DIRS].map((d) => join(d, 'libvulkan.so.1')).find((p) => existsSync(p));
  const selectedBy = env.VK_ICD_FILENAMES ? 'VK_ICD_FILENAMES' : env.VK_DRIVER_FILES ? 'VK_DRIVER_FILES' : undefined;
  const files = selectedBy
    ? env[selectedBy]!.split(':').filter(Boolean)
    : ICD_DIRS.flatMap((d) => {
        try {
          return readdirSync(d).filter((f) => f.endsWith('.json')).map((f) => join(d, f));
        } catch {
          return [];
        }
      });
  return { ...(loader ? { loader } : {}), ...(selectedBy ? { selectedBy } : {}), icds: files.map(readIcd) };
}
