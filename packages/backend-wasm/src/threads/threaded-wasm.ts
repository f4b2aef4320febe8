import * as tf from '@tensorflow/tfjs-core';
import { importNode } from '../wasm-paths.js';

// tfjs-wasm 4.22 turns threads off in Node (tfjs issue 3830): its threaded
// build would start its pthread workers from Blob URLs, which Node's Worker
// cannot load. The build itself supports Node's worker_threads, so this file
// creates it the way Emscripten expects there: the worker script as a real
// file, the main script by path. Nothing of tfjs is patched; the backend is
// tfjs's own BackendWasm on the threaded module.

/** What of the Emscripten module this code uses. */
interface ThreadedModule {
  cwrap(name: string, ret: string | null, args: string[]): (...args: number[]) => number;
  PThread?: { runningWorkers: Array<{ unref?: () => void }> };
  tfjs?: Record<string, unknown>;
}

type Factory = (config: Record<string, unknown>) => Promise<ThreadedModule>;

const THREADED = 'tfjs-backend-wasm-threaded-simd';

/** Writes `text` to `file` unless it is there already: temp file, then rename, so a concurrent reader never sees half of it. */
async function writeOnce(file: string, text: string): Promise<void> {
  const fs = await importNode('node:fs');
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) return;
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/**
 * The pthread worker script of tfjs-wasm's threaded build, as a file Node's
 * Worker can start: tfjs ships it as a string (for a Blob URL), where every
 * newline inside a string literal is a real one; tfjs escapes them too.
 */
async function workerScript(packageDir: string): Promise<string> {
  const [{ createRequire }, path, os, crypto] = await Promise.all([
    importNode('node:module'),
    importNode('node:path'),
    importNode('node:os'),
    importNode('node:crypto'),
  ]);
  const require = createRequire(path.join(packageDir, 'package.json'));
  const { wasmWorkerContents } = require(path.join(packageDir, 'wasm-out', `${THREADED}.worker.js`)) as { wasmWorkerContents: string };
  const text = wasmWorkerContents.replace(/\n/g, '\\n');
  const hash = crypto.createHash('sha256').update(text).digest('hex').slice(0, 16);
  const file = path.join(os.tmpdir(), `descent-${THREADED}-${hash}.worker.cjs`);
  await writeOnce(file, text);
  return file;
}

/**
 * tfjs-wasm's threaded SIMD module in Node with `threads` XNNPACK threads
 * (1 to 8: the build starts 8 pthread workers). `wasmFolder` holds the
 * `.wasm` files (the package's `dist/`).
 */
export async function createThreadedModule(wasmFolder: string, threads: number): Promise<ThreadedModule> {
  const [{ createRequire }, path, fs] = await Promise.all([importNode('node:module'), importNode('node:path'), importNode('node:fs')]);
  const packageDir = path.dirname(path.resolve(wasmFolder));
  const require = createRequire(path.join(packageDir, 'package.json'));
  const mainScript = path.join(packageDir, 'wasm-out', `${THREADED}.js`);
  const factory = require(mainScript) as Factory;
  const worker = await workerScript(packageDir);
  const bytes: Uint8Array<ArrayBuffer> = fs.readFileSync(path.join(wasmFolder, `${THREADED}.wasm`));
  const module = await factory({
    locateFile: (file: string) => (file.endsWith('.worker.js') ? worker : path.join(wasmFolder, file)),
    mainScriptUrlOrBlob: mainScript,
    // tfjs sizes XNNPACK's pool as half the logical cores (it assumes two
    // hyperthreads per core) and then caps any requested count at that; the
    // core count is an import of the module, so it reports 2 × `threads`.
    instantiateWasm(imports: { env: Record<string, unknown> }, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) {
      imports.env.emscripten_num_logical_cores = () => 2 * threads;
      WebAssembly.compile(bytes)
        .then(async (compiled) => receive(await WebAssembly.instantiate(compiled, imports as WebAssembly.Imports), compiled))
        .catch((err) => console.error(`@descent/backend-wasm: could not instantiate ${THREADED}.wasm: ${String(err)}`));
      return {};
    },
  });
  // The same C functions tfjs's own init wraps.
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return module;
}

/**
 * Registers a `wasm` backend factory that creates tfjs's BackendWasm on the
 * threaded module (a shared heap for `threads` threads), with XNNPACK's own
 * pool on `xnnpackThreads` of them, in place of tfjs's factory (kept as the
 * fallback when the threaded module fails to start). Call before the wasm
 * backend is created.
 */
export async function registerThreadedWasmBackend(wasmFolder: string, threads: number, xnnpackThreads = threads): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const stock = tf.findBackendFactory('wasm');
  wasm.setThreadsCount(xnnpackThreads);
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      let module: ThreadedModule;
      try {
        module = await createThreadedModule(wasmFolder, threads);
      } catch (err) {
        console.warn(`@descent/backend-wasm: tfjs-wasm with threads failed to start (${String(err)}); using it single-threaded`);
        wasm.setThreadsCount(1);
        return stock();
      }
      const backend = new wasm.BackendWasm(module as never);
      // XNNPACK's pool threads block on a futex between jobs; unref'd, they do
      // not keep Node alive (Emscripten refs a worker while its thread runs).
      for (const w of module.PThread?.runningWorkers ?? []) w.unref?.();
      return backend;
    },
    2,
  );
}
