import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { InvalidArgumentError, registerAdapter, registerGradientFixes, registerKernelInstaller, type BackendAdapter, type BackendCapabilities } from '@descent/core';
import { findCudaLibraries } from './cuda-libs.js';
import { explainNoGpu, packageMissingError, packageProblems } from './diagnose.js';
import { CudaBackendError } from './errors.js';
import { deviceZero, probeDriver, type DriverReport } from './gpu-info.js';
import type { NodeBackend } from './kernels/program.js';
import { registerTensorflowKernels, TENSORFLOW_BACKEND } from './kernels/register.js';
import { classifyLoadError } from './load-error.js';
import { probeTensorflow } from './probe.js';
import { findTfjsPackage, resolutionBases, type TfjsPackageInfo } from './resolve.js';
import { INSTALL_GPU_PACKAGE, PACKAGE_NAMES, TFJS_NODE_VERSION, type TfjsPackage } from './versions.js';

/** Options of {@link createCudaAdapter}. */
export interface CudaAdapterOptions {
  /**
   * Which tfjs-node build to drive: `'tfjs-node-gpu'` (default; libtensorflow
   * with CUDA) or `'tfjs-node'` (CPU libtensorflow, for machines without an
   * NVIDIA GPU or to compare).
   */
  package?: TfjsPackage;
  /**
   * Fail unless TensorFlow runs on a GPU. Default true with tfjs-node-gpu (which
   * otherwise falls back to the CPU silently), false with tfjs-node (which has
   * no GPU code: asking for a GPU with it is an error).
   */
  requireGpu?: boolean;
  /**
   * Where to resolve the package from (folders or files), as `require` would
   * from there. Default: the app's entry script, the working folder, then this package.
   */
  resolveFrom?: string | readonly string[];
}

export interface CudaAdapter extends BackendAdapter {
  readonly options: Readonly<{ package: TfjsPackage; requireGpu: boolean; resolveFrom?: string | readonly string[] }>;
}

const PACKAGES: readonly TfjsPackage[] = ['tfjs-node-gpu', 'tfjs-node'];

function checkOptions(options: CudaAdapterOptions): CudaAdapter['options'] {
  const pkg = options.package ?? 'tfjs-node-gpu';
  if (!PACKAGES.includes(pkg)) {
    throw new InvalidArgumentError('package', pkg, `Invalid package: ${JSON.stringify(pkg)} (expected "tfjs-node-gpu" or "tfjs-node")`);
  }
  const requireGpu = options.requireGpu ?? pkg === 'tfjs-node-gpu';
  if (typeof requireGpu !== 'boolean') throw new InvalidArgumentError('requireGpu', requireGpu, `Invalid requireGpu: ${JSON.stringify(requireGpu)} (expected a boolean)`);
  if (requireGpu && pkg === 'tfjs-node') {
    throw new CudaBackendError(
      'cpu-build',
      `@tensorflow/tfjs-node is the CPU build of libtensorflow and cannot run on a GPU (requireGpu: true): ` +
        `install the CUDA build, \`${INSTALL_GPU_PACKAGE}\`, and use createCudaAdapter() (package 'tfjs-node-gpu'), or drop requireGpu to run on the CPU.`,
    );
  }
  return { package: pkg, requireGpu, ...(options.resolveFrom !== undefined ? { resolveFrom: options.resolveFrom } : {}) };
}

// Which backend tfjs had before tfjs-node switched it, without starting one (tf.getBackend() would).
const currentBackendName = () => (tf.engine() as unknown as { backendName: string | null }).backendName;

/** Loads the package with `require` (it is CommonJS); it registers and activates `tensorflow` itself. */
function loadPackage(pkg: TfjsPackageInfo): { version?: Record<string, string> } {
  const require = createRequire(pkg.entry);
  try {
    return require(pkg.entry) as { version?: Record<string, string> };
  } catch (err) {
    throw classifyLoadError(err, pkg);
  }
}

/** Device facts: what the binding says, and the driver's account of `GPU:0` when it can be told apart. */
function deviceInfo(backend: NodeBackend, driver: DriverReport | undefined): Record<string, string | number | boolean> {
  const info: Record<string, string | number | boolean> = { device: backend.isUsingGpuDevice ? 'GPU' : 'CPU' };
  if (!backend.isUsingGpuDevice) return info;
  const gpu = driver ? deviceZero(driver.gpus) : undefined;
  info.driverVersion = driver?.driverVersion ?? 'unknown';
  if (gpu) {
    info.gpuName = gpu.name;
    info.gpuMemoryMiB = gpu.memoryMiB ?? 'unknown';
    info.computeCapability = gpu.computeCapability ?? 'unknown';
    info.gpuInfoSource = 'nvidia-smi';
  } else {
    // The binding says only that it runs on a GPU; nvidia-smi cannot tell which one it is.
    info.gpuName = 'unknown';
    info.gpuMemoryMiB = 'unknown';
    info.computeCapability = 'unknown';
    info.gpuInfoSource = driver?.nvidiaSmiError ?? `nvidia-smi lists ${driver?.gpus.length ?? 0} GPUs and CUDA's device order is not known (set CUDA_VISIBLE_DEVICES to one UUID)`;
  }
  return info;
}

/**
 * A cuda adapter with its own options: it loads tfjs-node-gpu (or tfjs-node) when `init()` runs, checks that TensorFlow took a GPU, and registers the fused kernels for the `tensorflow` backend.
 */
export function createCudaAdapter(options: CudaAdapterOptions = {}): CudaAdapter {
  const opts = checkOptions(options);
  const capabilities: BackendCapabilities = { float16: false, fusedKernels: [], limits: {}, info: {} };
  let ready: Promise<void> | undefined;

  async function start(): Promise<void> {
    const name = PACKAGE_NAMES[opts.package];
    let backend = tf.findBackendFactory(TENSORFLOW_BACKEND) ? (tf.findBackend(TENSORFLOW_BACKEND) as NodeBackend | null) : null;
    let pkg: TfjsPackageInfo | undefined;
    const previous = currentBackendName();
    if (!backend) {
      const bases = resolutionBases(opts.resolveFrom);
      pkg = findTfjsPackage(name, bases);
      if (!pkg) {
        const other = opts.package === 'tfjs-node-gpu' ? findTfjsPackage(PACKAGE_NAMES['tfjs-node'], bases) : undefined;
        throw packageMissingError(opts.package, bases, other);
      }
      // Missing files get their own message before anything is loaded; a missing deps/lib
      // may still be served by LD_LIBRARY_PATH, so only loading tells.
      const [first] = packageProblems(pkg).filter((p) => p.code !== 'libtensorflow-missing');
      if (first) throw first;
      const mod = loadPackage(pkg);
      const theirCore = mod.version?.['tfjs-core'];
      if (theirCore && theirCore !== tf.version_core) {
        throw new CudaBackendError(
          'tfjs-core-mismatch',
          `${name} brought @tensorflow/tfjs-core ${theirCore}, but the app's is ${tf.version_core}: both must be ${TFJS_NODE_VERSION} (dedupe with \`npm dedupe\`, or pin @tensorflow/tfjs-core@${TFJS_NODE_VERSION}).`,
        );
      }
      backend = tf.findBackendFactory(TENSORFLOW_BACKEND) ? (tf.findBackend(TENSORFLOW_BACKEND) as NodeBackend | null) : null;
      if (!backend?.binding) throw new CudaBackendError('load-failed', `${name} loaded but no tensorflow backend started (tf.findBackend('tensorflow') is ${backend === null ? 'null' : 'not a NodeJSKernelBackend'}).`);
    }
    pkg ??= findTfjsPackage(backend.isGPUPackage ? PACKAGE_NAMES['tfjs-node-gpu'] : PACKAGE_NAMES['tfjs-node'], resolutionBases(opts.resolveFrom));
    if (opts.requireGpu && !backend.isUsingGpuDevice) {
      // Leave tfjs as it was, rather than silently on CPU TensorFlow.
      if (previous && previous !== TENSORFLOW_BACKEND && tf.findBackendFactory(previous)) await tf.setBackend(previous);
      const libs = findCudaLibraries();
      const driver = probeDriver();
      if (!pkg || !backend.isGPUPackage) {
        throw new CudaBackendError('cpu-build', `The tensorflow backend in this process comes from @tensorflow/tfjs-node, the CPU build, and cannot run on a GPU: \`${INSTALL_GPU_PACKAGE}\` and load only that one.`);
      }
      throw explainNoGpu(pkg, libs, driver, probeTensorflow(pkg));
    }
    const driver = backend.isUsingGpuDevice ? probeDriver() : undefined;
    capabilities.info = {
      runtime: 'node (libtensorflow)',
      package: backend.isGPUPackage ? PACKAGE_NAMES['tfjs-node-gpu'] : PACKAGE_NAMES['tfjs-node'],
      packageVersion: pkg?.version ?? 'unknown',
      libtensorflow: backend.binding.TF_Version ?? 'unknown',
      ...deviceInfo(backend, driver),
    };
  }

  return {
    name: 'cuda',
    backendName: TENSORFLOW_BACKEND,
    capabilities,
    options: opts,
    async init() {
      ready ??= start().catch((err) => {
        ready = undefined; // a later call may retry, e.g. after installing a library
        throw err;
      });
      await ready;
      if (tf.getBackend() !== TENSORFLOW_BACKEND && !(await tf.setBackend(TENSORFLOW_BACKEND))) {
        throw new CudaBackendError('load-failed', 'tfjs could not switch to its tensorflow backend');
      }
      registerTensorflowKernels();
      // tfjs-node loads tfjs-layers, which re-registers tfjs's stock gradients over core's fixes.
      registerGradientFixes();
    },
  };
}

// An app that starts tfjs-node itself (tf.setBackend('tensorflow')) gets the kernels on its first fused op.
registerKernelInstaller(TENSORFLOW_BACKEND, () => void registerTensorflowKernels());

/** The default adapter: `useBackend('cuda')` uses it (tfjs-node-gpu, GPU required). */
export const cudaAdapter: CudaAdapter = createCudaAdapter();

// Importing this package makes useBackend('cuda') find it without core's by-name import.
registerAdapter('cuda', cudaAdapter);
