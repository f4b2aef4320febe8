import * as tf from '@tensorflow/tfjs-core';
import { DescentError, InvalidArgumentError, registerAdapter, registerKernelInstaller, type BackendAdapter, type BackendCapabilities } from '@descent/core';
import { installMatMulKernels, uninstallMatMulKernels } from './kernels/install.js';
import { installTrainingKernels } from './kernels/training.js';
import { heapMemory, startKernelPool, stopKernelPool, type HeapBackend } from './optim/module.js';
import { registerOptimKernels } from './optim/register.js';
import { registerAmpKernels } from './amp/kernels.js';
import { setXnnThreads } from './kernels/gemm.js';
import { registerThreadedWasmBackend } from './threads/threaded-wasm.js';
import { importNode, isNode, locateWasmFolder, type WasmPaths } from './wasm-paths.js';

// tf.findBackend would start creating the backend, before the paths are set.
const wasmBackendCreated = () => (tf.engine() as unknown as { registry: Record<string, unknown> }).registry.wasm != null;

/** Options of {@link createWasmAdapter}. */
export interface WasmAdapterOptions {
  /**
   * Where the `.wasm` files are. Default: in Node, the installed
   * `@tensorflow/tfjs-backend-wasm`'s `dist/` folder; in browsers, whatever
   * tfjs uses (next to the script, or your own `setWasmPaths` call). `null`
   * leaves tfjs's setting alone in Node too.
   */
  wasmPaths?: WasmPaths | null;
  /**
   * Threads for Descent's kernel pool: the GEMM (matmuls, convolutions, their
   * gradients) and the optimizer kernels. Default in Node: the machine's
   * cores, at most 8 (tfjs's threaded build starts 8 pthread workers); `1`
   * runs tfjs-wasm's single-threaded build with no workers. Browsers have
   * threads only on cross-origin isolated pages (default
   * `navigator.hardwareConcurrency`, at most 8).
   */
  threads?: number;
  /**
   * Threads of XNNPACK's own pool (what still runs on tfjs-wasm's kernels:
   * pooling, depthwise convolutions, elementwise ops). Default 1: with
   * threads, matmuls and convolutions run on Descent's pool, and two pools
   * spinning on the same cores slow each other (an MLP step at batch 64 took
   * about 25% longer with XNNPACK on 2 threads beside the pool's 2). In
   * browsers tfjs caps it at half the logical cores.
   */
  xnnpackThreads?: number;
  /** Use Descent's fast matmul kernels. Default true; false keeps tfjs-wasm's own. */
  fastMatMul?: boolean;
}

const MAX_THREADS = 8;

/** The default thread count: the cores this process may use (Node) or `navigator.hardwareConcurrency`, at most 8. */
async function defaultThreads(): Promise<number> {
  // Deno runs Node code too, but tfjs-wasm's pthread worker assigns self.location,
  // which Deno's workers only let it read (the process dies); Bun's threads ran
  // about 5x slower than one. Both default to one thread; `threads` still overrides.
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  if (g.Deno !== undefined || g.Bun !== undefined) return 1;
  let cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  if (isNode()) {
    const os = await importNode('node:os');
    cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  }
  return Math.max(1, Math.min(MAX_THREADS, cores));
}

/**
 * Splits the optimizer kernels across `threads` threads when the heap is
 * shared; the pool stops when the backend is disposed. Returns the count in use.
 */
async function startPool(threads: number): Promise<number> {
  const backend = tf.findBackend('wasm') as unknown as HeapBackend & { dispose(): void };
  const memory = heapMemory(backend);
  try {
    const inUse = await startKernelPool(memory, threads);
    if (inUse > 1 && !Object.hasOwn(backend, 'dispose')) {
      const dispose = backend.dispose.bind(backend);
      backend.dispose = () => {
        void stopKernelPool(memory);
        dispose();
      };
    }
    return inUse;
  } catch (err) {
    console.warn(`@descent/backend-wasm: optimizer kernel threads failed to start (${String(err)}); they run on one thread`);
    return 1;
  }
}

/** An adapter for tfjs-backend-wasm (WASM SIMD, XNNPACK), with its own options. */
export function createWasmAdapter(options: WasmAdapterOptions = {}): BackendAdapter {
  if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 1 && options.threads <= MAX_THREADS)) {
    throw new InvalidArgumentError('threads', options.threads, `Invalid threads: ${options.threads} (expected an integer from 1 to ${MAX_THREADS})`);
  }
  if (options.xnnpackThreads !== undefined && !(Number.isInteger(options.xnnpackThreads) && options.xnnpackThreads >= 1 && options.xnnpackThreads <= MAX_THREADS)) {
    throw new InvalidArgumentError(
      'xnnpackThreads',
      options.xnnpackThreads,
      `Invalid xnnpackThreads: ${options.xnnpackThreads} (expected an integer from 1 to ${MAX_THREADS})`,
    );
  }
  const capabilities: BackendCapabilities = { float16: false, fusedKernels: [], limits: {}, info: {} };
  let pending: Promise<void> | undefined;

  async function start(): Promise<void> {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    let wasmFolder = '';
    // Paths and threads only matter before tfjs creates the wasm backend.
    const threads = options.threads ?? (await defaultThreads());
    const xnnpackThreads = options.xnnpackThreads ?? 1;
    if (!wasmBackendCreated()) {
      let paths = options.wasmPaths;
      if (paths === undefined && isNode()) paths = (wasmFolder = (await locateWasmFolder()) ?? '') || undefined;
      if (paths != null) wasm.setWasmPaths(paths);
      if (isNode()) {
        // tfjs itself never starts its threaded build in Node; we do, from a folder on disk.
        // The threaded build's shared heap serves both pools.
        const heapThreads = Math.max(threads, xnnpackThreads);
        if (heapThreads > 1 && typeof paths === 'string') await registerThreadedWasmBackend(paths, heapThreads, xnnpackThreads);
        else wasm.setThreadsCount(1);
      } else wasm.setThreadsCount(xnnpackThreads);
    }
    if (tf.getBackend() !== 'wasm' || !wasmBackendCreated()) {
      const ok = await tf.setBackend('wasm');
      if (!ok) {
        const where = typeof options.wasmPaths === 'string' ? options.wasmPaths : wasmFolder || 'tfjs-backend-wasm default location';
        throw new DescentError(
          `The tfjs wasm backend failed to start (looked for the .wasm files in ${where}); ` +
            'pass createWasmAdapter({ wasmPaths }) with the folder or URLs of the tfjs-backend-wasm .wasm files',
        );
      }
    }
    if (options.fastMatMul === false) uninstallMatMulKernels();
    else installMatMulKernels();
    installTrainingKernels();
    registerAmpKernels();
    const optimKernels = registerOptimKernels();
    const xnnThreads = wasm.getThreadsCount();
    const optimThreads = optimKernels ? await startPool(threads) : 1;
    setXnnThreads(xnnThreads, optimThreads);
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    capabilities.info = {
      simd: simd === true,
      multithread: optimThreads > 1 || xnnThreads > 1,
      threads: Math.max(optimThreads, xnnThreads),
      xnnpackThreads: xnnThreads,
      fastMatMul: options.fastMatMul !== false,
      optimKernels,
      optimThreads,
      ...(wasmFolder ? { wasmFolder } : {}),
    };
  }

  return {
    name: 'wasm',
    backendName: 'wasm',
    capabilities,
    init() {
      // Concurrent calls share one start; a failed start may be retried.
      pending ??= start().catch((err) => {
        pending = undefined;
        throw err;
      });
      return pending.then(async () => {
        // Later calls re-activate wasm and our kernels if something switched them off.
        if (tf.getBackend() !== 'wasm') await tf.setBackend('wasm');
        if (options.fastMatMul !== false) installMatMulKernels();
        installTrainingKernels();
        registerAmpKernels();
        registerOptimKernels();
      });
    },
  };
}

/** The default wasm adapter: `useBackend('wasm')` and `useBackend()` use it. */
export const wasmAdapter: BackendAdapter = createWasmAdapter();

// Importing this package makes useBackend('wasm') find it without core's
// by-name import, which a browser bundler cannot follow.
registerAdapter('wasm', wasmAdapter);

// An app that picks wasm with tf.setBackend (not useBackend) still gets the
// fused kernels: the first fused op call on wasm registers them.
registerKernelInstaller('wasm', () => {
  registerAmpKernels();
  registerOptimKernels();
});
