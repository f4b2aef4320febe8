// Node only: Dawn's `webgpu` package as `navigator.gpu`, and a diagnosis of
// the Vulkan setup for when Dawn finds no adapter. Loaded lazily, so neither
// it nor `webgpu` reaches a browser bundle.
import type { GpuLike } from './gpu-types.js';
import { WebGPUUnavailableError } from './errors.js';

interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

let installed: { gpu: GpuLike; flags: string[] } | undefined;

/**
 * Installs Dawn as `globalThis.navigator.gpu` (once per process; later calls
 * return the same GPU and ignore their flags) and Dawn's WebGPU globals
 * (`GPUBufferUsage`, `GPUMapMode`, …), which tfjs-backend-webgpu reads.
 */
export async function installDawn(flags: string[]): Promise<GpuLike> {
  if (installed) return installed.gpu;
  // A variable specifier keeps bundlers from following this Node-only import.
  const specifier = 'webgpu';
  let dawn: DawnModule;
  try {
    dawn = (await import(/* @vite-ignore */ specifier)) as DawnModule;
  } catch (err) {
    throw new WebGPUUnavailableError(
      `WebGPU: could not load Dawn's Node binding (the "webgpu" package) on ${process.platform}-${process.arch}: ${(err as Error).message}. ` +
        'It ships prebuilt binaries for linux-x64, linux-arm64, darwin and win32; install it with `npm install webgpu`.',
    );
  }
  const g = globalThis as Record<string, unknown>;
  for (const [key, value] of Object.entries(dawn.globals)) if (!(key in g)) g[key] = value;
  const gpu = dawn.create(flags);
  const nav = g.navigator as Record<string, unknown> | undefined;
  // Node 21+ has a navigator whose prototype lacks gpu; Node 20 has none.
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, enumerable: true, writable: true });
  else g.navigator = { gpu };
  installed = { gpu, flags };
  return gpu;
}

const ICD_DIRS = ['/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/usr/share/vulkan/icd.d'];
const LOADER_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'];

/** Says which part of the Vulkan setup is missing, in sentences for an error message. */
export async function diagnoseVulkan(): Promise<string> {
  if (process.platform !== 'linux') {
    return `Dawn found no GPU adapter on ${process.platform}; check that the GPU driver is installed and up to date.`;
  }
  const { existsSync, readdirSync, readFileSync } = await import('node:fs');
  const { isAbsolute, join, dirname } = await import('node:path');
  const lines: string[] = [];

  const ldPath = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  if (![...ldPath, ...LOADER_DIRS].some((d) => existsSync(join(d, 'libvulkan.so.1')))) {
    lines.push('The Vulkan loader libvulkan.so.1 was not found (Debian/Ubuntu: apt-get install libvulkan1).');
  }

  const describeIcd = (file: string): string => {
    if (!existsSync(file)) return `${file} does not exist`;
    try {
      const lib = (JSON.parse(readFileSync(file, 'utf8')) as { ICD?: { library_path?: string } }).ICD?.library_path;
      if (!lib) return `${file} names no library_path`;
      const resolved = lib.includes('/') ? (isAbsolute(lib) ? lib : join(dirname(file), lib)) : undefined;
      if (resolved && !existsSync(resolved)) return `${file} points at ${resolved}, which does not exist`;
      return `${file} (${lib}) loaded but gave no adapter`;
    } catch (err) {
      return `${file} is not valid JSON (${(err as Error).message})`;
    }
  };

  const envName = process.env.VK_ICD_FILENAMES ? 'VK_ICD_FILENAMES' : process.env.VK_DRIVER_FILES ? 'VK_DRIVER_FILES' : undefined;
  if (envName) {
    const files = process.env[envName]!.split(':').filter(Boolean);
    lines.push(`${envName}=${process.env[envName]} selects the Vulkan driver: ${files.map(describeIcd).join('; ')}.`);
  } else {
    const found = ICD_DIRS.flatMap((d) => {
      try {
        return readdirSync(d).filter((f) => f.endsWith('.json')).map((f) => join(d, f));
      } catch {
        return [];
      }
    });
    if (found.length === 0) {
      lines.push(`No Vulkan driver (ICD) is installed: there is no ICD json in ${ICD_DIRS.join(', ')}, and VK_ICD_FILENAMES is not set.`);
    } else {
      lines.push(
        `Vulkan drivers are installed (${found.join(', ')}) but none gave Dawn an adapter: a hardware driver needs its GPU, ` +
          'and lavapipe must be Mesa >= 25.',
      );
    }
  }
  return lines.join(' ');
}
