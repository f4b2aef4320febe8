// Finds an installed @tensorflow/tfjs-node(-gpu) the way the app sees it, and
// describes its layout (the native addon node-pre-gyp would load, libtensorflow
// in deps/lib) without loading anything: that is only done when init() asks.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

/**
 * An installed tfjs-node(-gpu) package: where it is, its version, and whether its addon and libtensorflow are there.
 */
export interface TfjsPackageInfo {
  /** `@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node`. */
  name: string;
  /** The package folder. */
  dir: string;
  version: string;
  /** Its CommonJS entry (`dist/index.js`). */
  entry: string;
  /** The addon node-pre-gyp picks for this Node: `lib/napi-v<N>/tfjs_binding.node`. */
  addonPath: string;
  /** The N-API build version of that addon, or null when no listed version fits this Node. */
  napiBuildVersion: number | null;
  addonExists: boolean;
  /** `deps/lib`, where the install script puts libtensorflow. */
  libDir: string;
  /** The files in `deps/lib` (empty when it does not exist). */
  libFiles: string[];
}

/** Where resolution starts: the given folders or files, else the app's entry script, working folder, then this module. */
export function resolutionBases(from?: string | readonly string[]): string[] {
  const asBase = (p: string) => {
    const abs = resolve(p);
    return existsSync(abs) && statSync(abs).isDirectory() ? join(abs, 'noop.js') : abs;
  };
  if (from !== undefined) return (typeof from === 'string' ? [from] : [...from]).map(asBase);
  const bases: string[] = [];
  if (process.argv[1]) bases.push(asBase(process.argv[1]));
  bases.push(join(process.cwd(), 'noop.js'));
  try {
    if (import.meta.url) bases.push(import.meta.url);
  } catch {
    // import.meta may be emptied by a CJS bundler.
  }
  if (typeof __filename === 'string') bases.push(__filename);
  return bases;
}

interface Manifest {
  version?: string;
  main?: string;
  binary?: { module_name?: string; module_path?: string; napi_versions?: number[] };
}

/** node-pre-gyp's choice: the highest listed N-API version this Node supports. */
export function napiBuildVersion(listed: readonly number[] | undefined, nodeNapi = Number(process.versions.napi)): number | null {
  const fits = (listed ?? []).filter((v) => v <= nodeNapi);
  return fits.length ? Math.max(...fits) : null;
}

/** The package's manifest path as resolved from `bases`, or undefined when none of them finds it. */
export function resolveManifest(name: string, bases: readonly string[]): string | undefined {
  for (const base of bases) {
    try {
      return createRequire(base).resolve(`${name}/package.json`);
    } catch {
      // Not resolvable from here; try the next base.
    }
  }
  return undefined;
}

export function describePackage(name: string, manifestPath: string): TfjsPackageInfo {
  const dir = dirname(manifestPath);
  const json = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const napi = napiBuildVersion(json.binary?.napi_versions);
  const modulePath = (json.binary?.module_path ?? './lib/napi-v{napi_build_version}').replace('{napi_build_version}', String(napi ?? process.versions.napi));
  const addonPath = join(dir, modulePath, `${json.binary?.module_name ?? 'tfjs_binding'}.node`);
  const libDir = join(dir, 'deps', 'lib');
  let libFiles: string[] = [];
  try {
    libFiles = readdirSync(libDir).sort();
  } catch {
    // No deps/lib: the install script did not download libtensorflow.
  }
  return {
    name,
    dir,
    version: json.version ?? 'unknown',
    entry: join(dir, json.main ?? 'index.js'),
    addonPath,
    napiBuildVersion: napi,
    addonExists: existsSync(addonPath),
    libDir,
    libFiles,
  };
}

/** The installed package seen from `bases`, or undefined. */
export function findTfjsPackage(name: string, bases: readonly string[]): TfjsPackageInfo | undefined {
  const manifest = resolveManifest(name, bases);
  return manifest ? describePackage(name, manifest) : undefined;
}
