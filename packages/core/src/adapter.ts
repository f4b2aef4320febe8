import * as tf from '@tensorflow/tfjs-core';
import { DescentError, InvalidArgumentError } from './errors.js';
import { gradientsRegistered, registerGradientFixes } from './gradients.js';
import { fusedKernelsFor } from './fused/index.js';

/** What an adapter's backend can do, filled in by its `init()` (and `fusedKernels` by `useBackend`). */
export interface BackendCapabilities {
  /** Native half precision (WebGPU `shader-f16`); otherwise it is emulated. */
  float16: boolean;
  /** Names of the fused ops this backend has kernels for (filled in by `useBackend`). */
  fusedKernels: string[];
  /** Backend limits, for example `maxStorageBufferBindingSize`. */
  limits: Record<string, number>;
  /** Free-form facts: adapter vendor, SIMD, threads. */
  info: Record<string, string | number | boolean>;
}

/**
 * The contract an execution backend fulfils. `init()` registers and activates
 * the tfjs backend and registers the adapter's fused kernels; it is idempotent.
 */
export interface BackendAdapter {
  /** The adapter's name: `wasm`, `webgpu`, `cpu`, `cuda`. */
  readonly name: string;
  /** The tfjs backend it activates (`tf.getBackend()` afterwards). */
  readonly backendName: string;
  readonly capabilities: BackendCapabilities;
  /**
   * Registers and activates the tfjs backend and the adapter's kernels; idempotent. Throws, naming what is missing, when it cannot start.
   */
  init(): Promise<void>;
}

type AdapterLoader = () => Promise<BackendAdapter>;

// Packages are loaded by name so that core depends on no backend; the
// variable specifier keeps bundlers from resolving adapters the app did not install.
const importOptional = (specifier: string): Promise<Record<string, unknown>> => import(/* @vite-ignore */ specifier);

/**
 * In Node, imports `pkg` as the app sees it: core itself cannot resolve an
 * adapter that is not its dependency under pnpm or nested installs. Resolves the
 * package folder from the entry script (then the working folder) and imports
 * its ESM entry, so the adapter shares this copy of core.
 */
async function importFromApp(pkg: string): Promise<Record<string, unknown> | undefined> {
  const proc = (globalThis as { process?: { versions?: { node?: string }; argv?: string[]; cwd?: () => string } }).process;
  if (!proc?.versions?.node) return undefined;
  const [{ createRequire }, { readFileSync }, path, { pathToFileURL }] = await Promise.all(
    ['node:module', 'node:fs', 'node:path', 'node:url'].map((m) => importOptional(m) as Promise<any>),
  );
  const bases = [proc.argv?.[1], proc.cwd && path.join(proc.cwd(), 'noop.js')].filter(Boolean) as string[];
  for (const base of bases) {
    let manifest: string;
    try {
      manifest = createRequire(path.resolve(base)).resolve(`${pkg}/package.json`);
    } catch {
      continue;
    }
    const json = JSON.parse(readFileSync(manifest, 'utf8'));
    const dot = json.exports?.['.'];
    const entry = dot?.import?.default ?? dot?.import ?? json.module ?? json.main ?? 'index.js';
    return importOptional(pathToFileURL(path.join(path.dirname(manifest), entry)).href);
  }
  return undefined;
}

/**
 * Loads the adapter an installed package exports, for `registerAdapter` (core's
 * own names use it): `registerAdapter('tpu', () => adapterFromPackage('@acme/descent-tpu', 'tpuAdapter'))`.
 * A package that is not installed gives an error that says how to install it.
 */
export async function adapterFromPackage(pkg: string, exportName: string): Promise<BackendAdapter> {
  let mod: Record<string, unknown>;
  try {
    mod = await importOptional(pkg);
  } catch (err) {
    const fromApp = await importFromApp(pkg).catch(() => undefined);
    if (!fromApp) throw new DescentError(`Backend adapter package ${pkg} is not installed (npm install ${pkg}), or, in a browser bundle, not imported (import ${pkg} once in the app so it registers itself): ${(err as Error).message}`);
    mod = fromApp;
  }
  const adapter = mod[exportName] as BackendAdapter | undefined;
  if (!adapter) throw new DescentError(`${pkg} does not export ${exportName}`);
  return adapter;
}

const known = new Map<string, AdapterLoader>([
  ['wasm', () => adapterFromPackage('@descent/backend-wasm', 'wasmAdapter')],
  ['webgpu', () => adapterFromPackage('@descent/backend-webgpu', 'webgpuAdapter')],
  ['cuda', () => adapterFromPackage('@descent/backend-cuda', 'cudaAdapter')],
  ['cpu', async () => (await import('./cpu-adapter.js')).cpuAdapter],
]);

/** Makes `useBackend(name)` know another adapter. */
export function registerAdapter(name: string, loader: AdapterLoader | BackendAdapter): void {
  known.set(name, typeof loader === 'function' ? loader : async () => loader);
}

/** The names `useBackend` accepts: the built-in adapters and those added with {@link registerAdapter}. */
export function knownAdapters(): string[] {
  return [...known.keys()];
}

let active: BackendAdapter | undefined;

/** The adapter `useBackend` activated last, if any. */
export function activeAdapter(): BackendAdapter | undefined {
  return active;
}

async function activate(adapter: BackendAdapter): Promise<BackendAdapter> {
  if (!gradientsRegistered()) throw new DescentError('tfjs gradients failed to register');
  registerGradientFixes();
  await adapter.init();
  // An adapter's init may load tfjs-layers (tfjs-node does), which re-registers
  // the stock gradients over the fixes: apply them again.
  registerGradientFixes();
  if (tf.getBackend() !== adapter.backendName) {
    const ok = await tf.setBackend(adapter.backendName);
    if (!ok) throw new DescentError(`tfjs backend "${adapter.backendName}" failed to initialize`);
  }
  adapter.capabilities.fusedKernels = fusedKernelsFor(adapter.backendName);
  active = adapter;
  return adapter;
}

/** Options of {@link useBackend}. */
export interface UseBackendOptions {
  /** Where the fallback notice goes. Default `console.warn`. */
  warn?: (message: string) => void;
}

/**
 * Activates an execution backend. With no argument: wasm, and cpu if wasm
 * cannot start (with a printed notice). A string picks a known adapter
 * (`wasm`, `webgpu`, `cpu`, `cuda`, or one added with `registerAdapter`).
 */
export async function useBackend(adapterOrName?: BackendAdapter | string, options: UseBackendOptions = {}): Promise<BackendAdapter> {
  if (typeof adapterOrName === 'object') return activate(adapterOrName);
  if (adapterOrName === undefined) {
    try {
      return await activate(await known.get('wasm')!());
    } catch (err) {
      (options.warn ?? console.warn)(
        `Descent: the wasm backend could not start (${(err as Error).message}); falling back to the cpu backend, which is much slower.`,
      );
      return activate(await known.get('cpu')!());
    }
  }
  const loader = known.get(adapterOrName);
  if (!loader) {
    throw new InvalidArgumentError('backend', adapterOrName, `Unknown backend: ${JSON.stringify(adapterOrName)} (known: ${knownAdapters().join(', ')})`);
  }
  return activate(await loader());
}
