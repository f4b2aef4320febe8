// Which of the CUDA 11.2 / cuDNN 8.1 libraries libtensorflow 2.9.1 opens can the
// dynamic loader find, and which other versions are lying around. Read from the
// file system and `ldconfig -p`; nothing is loaded.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { CUDA_LIBRARIES, DRIVER_LIBRARY, LIBTENSORFLOW_VERSION, type CudaLibrary } from './versions.js';

/** Options of {@link findCudaLibraries}: where to look, and what to read instead of this machine (tests). */
export interface LibrarySearchOptions {
  /** Environment to read `LD_LIBRARY_PATH` and `CONDA_PREFIX` from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** `ldconfig -p`'s output. Default: runs it (empty when there is none). */
  ldconfig?: () => string;
  /** More folders where CUDA may be installed but the loader may not look. */
  extraDirs?: readonly string[];
  /** The usual CUDA folders (/usr/local/cuda*, $CONDA_PREFIX/lib, …). Default: those that exist here. */
  commonDirs?: readonly string[];
}

/**
 * One library of {@link CUDA_LIBRARIES}: where the loader finds it, or where it is unreachable, and other versions seen.
 */
export interface LibraryCheck extends CudaLibrary {
  /** Where the loader finds it (LD_LIBRARY_PATH, the ldconfig cache, /lib, /usr/lib), if it does. */
  loadable?: string;
  /** Where it is although the loader does not look there (add the folder to LD_LIBRARY_PATH). */
  unreachable?: string;
  /** Other versions of the same library (`libcudart.so.12`), where they are. */
  otherVersions: string[];
}

/** What {@link findCudaLibraries} found. */
export interface CudaLibraryReport {
  libraries: LibraryCheck[];
  /** The ones the loader cannot find. */
  missing: LibraryCheck[];
  /** The NVIDIA driver's libcuda.so.1, if the loader finds it. */
  driverLibrary?: string;
  /** LD_LIBRARY_PATH as read. */
  ldLibraryPath: string[];
}

const DEFAULT_DIRS = ['/lib', '/usr/lib', '/lib64', '/usr/lib64', '/usr/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu'];

function runLdconfig(): string {
  for (const bin of ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig']) {
    try {
      return execFileSync(bin, ['-p'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      // Not there or not runnable; try the next.
    }
  }
  return '';
}

/** `ldconfig -p` lines `\tlibcudart.so.11.0 (libc6,x86-64) => /usr/local/cuda/lib64/libcudart.so.11.0` as name → path. */
export function parseLdconfig(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const m of text.matchAll(/^\s*(\S+)\s+\(([^)]*)\)\s+=>\s+(\S+)\s*$/gm)) {
    // 64-bit entries only: a 32-bit copy cannot be loaded by a 64-bit Node.
    if (process.arch === 'x64' && !m[2]!.includes('x86-64')) continue;
    if (!map.has(m[1]!)) map.set(m[1]!, m[3]!);
  }
  return map;
}

/** Folders where CUDA toolkits, cuDNN and conda usually put their libraries. */
function commonCudaDirs(env: NodeJS.ProcessEnv): string[] {
  const dirs = ['/usr/local/cuda/lib64', '/usr/local/cuda/targets/x86_64-linux/lib', '/usr/local/nvidia/lib64', '/usr/local/nvidia/lib'];
  try {
    for (const d of readdirSync('/usr/local')) if (/^cuda-\d/.test(d)) dirs.push(join('/usr/local', d, 'lib64'), join('/usr/local', d, 'targets', 'x86_64-linux', 'lib'));
  } catch {
    // No /usr/local.
  }
  if (env.CONDA_PREFIX) dirs.push(join(env.CONDA_PREFIX, 'lib'));
  if (env.CUDA_HOME) dirs.push(join(env.CUDA_HOME, 'lib64'));
  if (env.CUDA_PATH) dirs.push(join(env.CUDA_PATH, 'lib64'));
  return dirs;
}

/** One path per real file (CUDA's folders are full of symlinks to one another), sorted. */
function distinctFiles(paths: Iterable<string>): string[] {
  const byReal = new Map<string, string>();
  for (const p of [...paths].sort((a, b) => a.length - b.length || a.localeCompare(b))) {
    let real = p;
    try {
      real = realpathSync(p);
    } catch {
      // A dangling link: keep its own path.
    }
    if (!byReal.has(real)) byReal.set(real, p);
  }
  return [...byReal.values()].sort();
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Looks for every library libtensorflow 2.9.1 opens, as the dynamic loader would (LD_LIBRARY_PATH, the ldconfig cache, the default folders), and in the usual CUDA folders it does not search.
 */
export function findCudaLibraries(options: LibrarySearchOptions = {}): CudaLibraryReport {
  const env = options.env ?? process.env;
  const ldLibraryPath = (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  const cache = parseLdconfig((options.ldconfig ?? runLdconfig)());
  const searched = [...ldLibraryPath, ...DEFAULT_DIRS];
  const elsewhere = [...(options.extraDirs ?? []), ...(options.commonDirs ?? commonCudaDirs(env))].filter((d) => !searched.includes(d));

  const loadablePath = (file: string): string | undefined => {
    for (const dir of ldLibraryPath) if (existsSync(join(dir, file))) return join(dir, file);
    if (cache.has(file)) return cache.get(file);
    for (const dir of DEFAULT_DIRS) if (existsSync(join(dir, file))) return join(dir, file);
    return undefined;
  };

  const allDirs = [...new Set([...searched, ...elsewhere, ...[...cache.values()].map((p) => p.slice(0, p.lastIndexOf('/')))])];
  const libraries = CUDA_LIBRARIES.map((lib): LibraryCheck => {
    const loadable = loadablePath(lib.file);
    const unreachable = loadable ? undefined : elsewhere.map((d) => join(d, lib.file)).find((p) => existsSync(p));
    const otherVersions = new Set<string>();
    for (const dir of allDirs) {
      for (const f of listDir(dir)) {
        // libcudart.so.12 or libcudart.so.12.4.127, not libcudart.so itself (a dev symlink) or our own version.
        if (f.startsWith(`${lib.stem}.`) && f !== lib.file && !f.startsWith(`${lib.file}.`)) otherVersions.add(join(dir, f));
      }
    }
    for (const [name, path] of cache) if (name.startsWith(`${lib.stem}.`) && name !== lib.file) otherVersions.add(path);
    return { ...lib, ...(loadable ? { loadable } : {}), ...(unreachable ? { unreachable } : {}), otherVersions: distinctFiles(otherVersions) };
  });
  const driverLibrary = loadablePath(DRIVER_LIBRARY);
  return { libraries, missing: libraries.filter((l) => !l.loadable), ...(driverLibrary ? { driverLibrary } : {}), ldLibraryPath };
}

/** One sentence per missing library: what it is, what was found instead, and where it comes from. */
export function describeMissing(missing: readonly LibraryCheck[]): string {
  return missing
    .map((lib) => {
      let s = `${lib.file} (${lib.what}) is missing`;
      if (lib.unreachable) s = `${lib.file} (${lib.what}) is at ${lib.unreachable}, where the loader does not look (add that folder to LD_LIBRARY_PATH)`;
      else if (lib.otherVersions.length) {
        const shown = lib.otherVersions.slice(0, 3).join(', ');
        s += `; only another version is there (${shown}${lib.otherVersions.length > 3 ? `, and ${lib.otherVersions.length - 3} more` : ''}), which libtensorflow ${LIBTENSORFLOW_VERSION} does not load`;
      }
      return s;
    })
    .join('; ');
}
