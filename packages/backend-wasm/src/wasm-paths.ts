/** A folder prefix (ending in `/`) or a map from each `.wasm` file name to its URL or path, as tfjs's `setWasmPaths` takes. */
export type WasmPaths = string | Record<string, string>;

/** The three `.wasm` files of tfjs-backend-wasm 4.22: scalar, SIMD, and SIMD with threads. */
export const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'] as const;

export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

// A variable specifier keeps browser bundlers from trying to bundle Node built-ins.
export const importNode = (specifier: string): Promise<any> => import(/* @vite-ignore */ specifier);

/** Where resolution starts: this module (also inside a bundle), then the app's entry script and working folder. */
function resolutionBases(): string[] {
  const bases: string[] = [];
  try {
    if (import.meta.url) bases.push(import.meta.url);
  } catch {
    // import.meta may be emptied by a CJS bundler.
  }
  if (typeof __filename === 'string') bases.push(__filename);
  const p = (globalThis as { process?: { argv?: string[]; cwd?: () => string } }).process;
  if (p?.argv?.[1]) bases.push(p.argv[1]);
  if (p?.cwd) bases.push(`${p.cwd()}/noop.js`);
  return bases;
}

/**
 * In Node, the folder holding the installed `@tensorflow/tfjs-backend-wasm`'s
 * `.wasm` files, resolved the way Node resolves packages from this module's own
 * location (then the entry script, then the working folder). tfjs's default
 * (the folder of its own script) breaks once an app is bundled, because that
 * script then lives inside the bundle. Undefined in browsers, or when the
 * package cannot be found.
 */
export async function locateWasmFolder(): Promise<string | undefined> {
  if (!isNode()) return undefined;
  try {
    const [{ createRequire }, path, fs] = await Promise.all([importNode('node:module'), importNode('node:path'), importNode('node:fs')]);
    for (const base of resolutionBases()) {
      try {
        const pkg: string = createRequire(base).resolve('@tensorflow/tfjs-backend-wasm/package.json');
        const folder = path.join(path.dirname(pkg), 'dist') + path.sep;
        if (fs.existsSync(folder + WASM_FILES[1])) return folder;
      } catch {
        // Not resolvable from here; try the next base.
      }
    }
  } catch {
    // No Node built-ins after all.
  }
  return undefined;
}
