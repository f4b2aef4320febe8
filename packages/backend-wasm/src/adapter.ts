import * as tf from '@tensorflow/tfjs-core';
import { DescentError, InvalidArgumentError, type BackendAdapter, type BackendCapabilities } from '@descent/core';
import { installMatMulKernels, uninstallMatMulKernels } from './kernels/install.js';
import { registerOptimKernels } from './optim/register.js';
import { isNode, locateWasmFolder, type WasmPaths } from './wasm-paths.js';

// tf.findBackend would start creating the backend, before the paths are set.
const wasmBackendCreated = () => (tf.engine() as unknown as { registry: Record<string, unknown> }).registry.wasm != null;

export interface WasmAdapterOptions {
  /**
   * Where the `.wasm` files are. Default: in Node, the installed
   * `@tensorflow/tfjs-backend-wasm`'s `dist/` folder; in browsers, whatever
   * tfjs uses (next to the script, or your own `setWasmPaths` call). `null`
   * leaves tfjs's setting alone in Node too.
   */
  wasmPaths?: WasmPaths | null;
  /** XNNPACK threads where the browser allows threads (never in Node). Default: tfjs's choice. */
  threads?: number;
  /** Use Descent's fast matmul kernels. Default true; false keeps tfjs-wasm's own. */
  fastMatMul?: boolean;
}

/** An adapter for tfjs-backend-wasm (WASM SIMD, XNNPACK), with its own options. */
export function createWasmAdapter(options: WasmAdapterOptions = {}): BackendAdapter {
  if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 1)) {
    throw new InvalidArgumentError('threads', options.threads, `Invalid threads: ${options.threads} (expected an integer >= 1)`);
  }
  const capabilities: BackendCapabilities = { float16: false, fusedKernels: [], limits: {}, info: {} };
  let pending: Promise<void> | undefined;

  async function start(): Promise<void> {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    let wasmFolder = '';
    // Paths and threads only matter before tfjs creates the wasm backend.
    if (!wasmBackendCreated()) {
      let paths = options.wasmPaths;
      if (paths === undefined && isNode()) paths = (wasmFolder = (await locateWasmFolder()) ?? '') || undefined;
      if (paths != null) wasm.setWasmPaths(paths);
      if (options.threads !== undefined) wasm.setThreadsCount(options.threads);
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
    const optimKernels = registerOptimKernels();
    const [simd, multithread] = await Promise.all([
      tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
      tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
    ]);
    capabilities.info = {
      simd: simd === true,
      multithread: multithread === true,
      threads: wasm.getThreadsCount(),
      fastMatMul: options.fastMatMul !== false,
      optimKernels,
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
        registerOptimKernels();
      });
    },
  };
}

/** The default wasm adapter: `useBackend('wasm')` and `useBackend()` use it. */
export const wasmAdapter: BackendAdapter = createWasmAdapter();
