import * as tf from '@tensorflow/tfjs-core';
import { DescentError, InvalidArgumentError, registerKernelInstaller, type BackendAdapter, type BackendCapabilities } from '@descent/core';
import { BROWSER_HINT, OTHER_BACKEND_HINT, SOFTWARE_DRIVERS_HINT, WebGPUUnavailableError } from './errors.js';
import type { GpuAdapterInfoLike, GpuAdapterLike, GpuLike, PowerPreference } from './gpu-types.js';
import { isNode } from './runtime.js';
import { registerWebGPUOptimKernels } from './optim/register.js';
import { declineNativeF16, registerWebGPUAmpKernels } from './amp/register.js';
import { nativeF16Rounds } from './amp/probe.js';

/** Options of `createWebGPUAdapter`. */
export interface WebGPUAdapterOptions {
  /** Passed to `navigator.gpu.requestAdapter`. Default `'high-performance'`, as tfjs does. */
  powerPreference?: PowerPreference;
  /**
   * Node only: flags for Dawn's `create()`, e.g. `['backend=vulkan']` or
   * `['enable-dawn-features=allow_unsafe_apis']`. Dawn is installed once per
   * process, so only the first adapter to initialize sets them.
   */
  dawnFlags?: string[];
}

/** What the Node entry supplies; the browser entry supplies nothing. */
export interface NodeGpuLoader {
  installDawn(flags: string[]): Promise<GpuLike>;
  diagnoseVulkan(): Promise<string>;
}

export interface WebGPUAdapter extends BackendAdapter {
  readonly options: Readonly<Required<WebGPUAdapterOptions>>;
}

const POWER_PREFERENCES: readonly PowerPreference[] = ['low-power', 'high-performance'];
// The limits tfjs-backend-webgpu raises to the adapter's maximum (as its own factory does).
const RAISED_LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
  // Descent's optim kernels: AMSGrad, centered momentum RMSprop and LAMB bind 9 storage buffers (the default limit is 8).
  'maxStorageBuffersPerShaderStage',
];
const OPTIONAL_FEATURES = ['timestamp-query', 'bgra8unorm-storage', 'shader-f16'];

function checkOptions(options: WebGPUAdapterOptions): Required<WebGPUAdapterOptions> {
  const { powerPreference = 'high-performance', dawnFlags = [] } = options;
  if (!POWER_PREFERENCES.includes(powerPreference)) {
    throw new InvalidArgumentError('powerPreference', powerPreference, `Invalid powerPreference: ${JSON.stringify(powerPreference)} (expected "low-power" or "high-performance")`);
  }
  if (!Array.isArray(dawnFlags) || dawnFlags.some((f) => typeof f !== 'string')) {
    throw new InvalidArgumentError('dawnFlags', dawnFlags, `Invalid dawnFlags: ${JSON.stringify(dawnFlags)} (expected an array of strings)`);
  }
  return { powerPreference, dawnFlags: [...dawnFlags] };
}

/** Names the software drivers by what they report, for logs and tests. */
export function driverName(info: GpuAdapterInfoLike): string {
  const text = `${info.vendor ?? ''} ${info.architecture ?? ''} ${info.device ?? ''} ${info.description ?? ''}`;
  if (/swiftshader/i.test(text)) return 'SwiftShader';
  if (/llvmpipe|lavapipe/i.test(text)) return 'lavapipe';
  return info.vendor || 'unknown';
}

async function readInfo(adapter: GpuAdapterLike): Promise<GpuAdapterInfoLike> {
  if (adapter.info) return adapter.info;
  return (await adapter.requestAdapterInfo?.()) ?? {};
}

function readLimits(adapter: GpuAdapterLike): Record<string, number> {
  const limits: Record<string, number> = {};
  // WebIDL attributes live on the prototype as enumerable getters, so for-in sees them.
  for (const key in adapter.limits) {
    const value = (adapter.limits as Record<string, unknown>)[key];
    if (typeof value === 'number') limits[key] = value;
  }
  return limits;
}

/** Whether tfjs already runs a webgpu backend instance (without initializing one, as `tf.findBackend` would). */
function webgpuBackendRunning(): boolean {
  return 'webgpu' in (tf.engine() as unknown as { registry: Record<string, unknown> }).registry;
}

export function makeWebGPUAdapter(options: WebGPUAdapterOptions, loadNode: (() => Promise<NodeGpuLoader>) | undefined): WebGPUAdapter {
  const opts = checkOptions(options);
  const capabilities: BackendCapabilities = { float16: false, fusedKernels: [], limits: {}, info: {} };
  let ready: Promise<void> | undefined;

  async function getGpu(): Promise<{ gpu: GpuLike; runtime: string; node?: NodeGpuLoader }> {
    const existing = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
    if (isNode() && loadNode) {
      const node = await loadNode();
      // A navigator.gpu set up by the app (or an earlier adapter) is used as is; Deno has its own (wgpu).
      const runtime = (globalThis as { Deno?: unknown }).Deno !== undefined ? 'deno (wgpu)' : 'node (Dawn)';
      return { gpu: existing ?? (await node.installDawn(opts.dawnFlags)), runtime, node };
    }
    if (existing) return { gpu: existing, runtime: 'browser' };
    throw new WebGPUUnavailableError(`WebGPU is not available here: navigator.gpu is undefined. ${BROWSER_HINT} ${OTHER_BACKEND_HINT}`);
  }

  async function setUp(): Promise<void> {
    const { gpu, runtime, node } = await getGpu();
    const adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference });
    if (!adapter) {
      if (node) {
        throw new WebGPUUnavailableError(
          `WebGPU: Dawn found no GPU adapter (powerPreference "${opts.powerPreference}"). Dawn in Node runs on Vulkan and needs a Vulkan driver (ICD). ` +
            `${await node.diagnoseVulkan()} ${SOFTWARE_DRIVERS_HINT} ${OTHER_BACKEND_HINT}`,
        );
      }
      throw new WebGPUUnavailableError(
        `WebGPU: navigator.gpu.requestAdapter() returned null: this browser has WebGPU but no usable GPU adapter (blocklisted GPU or driver, or none). ${BROWSER_HINT} ${OTHER_BACKEND_HINT}`,
      );
    }
    const info = await readInfo(adapter);
    const features = [...(adapter.features as Iterable<string>)].sort();
    const fallback = (info as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
    capabilities.float16 = adapter.features.has('shader-f16');
    capabilities.limits = readLimits(adapter);
    capabilities.info = {
      runtime,
      driver: driverName(info),
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      device: info.device ?? '',
      description: info.description ?? '',
      isFallbackAdapter: fallback,
      powerPreference: opts.powerPreference,
      features: features.join(','),
    };

    // Import only now: tfjs-backend-webgpu registers itself only if navigator.gpu exists at load.
    const webgpu = await import('@tensorflow/tfjs-backend-webgpu');
    if (webgpuBackendRunning()) return; // someone already started tfjs's webgpu backend: keep it
    // Replace tfjs's factory, which requests an adapter of its own and fails
    // obscurely on null, with one that uses the adapter reported above.
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    const requiredLimits: Record<string, number> = {};
    for (const key of RAISED_LIMITS) if (key in capabilities.limits) requiredLimits[key] = capabilities.limits[key];
    const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
    tf.registerBackend(
      'webgpu',
      async () => {
        const device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
        // tfjs's typings want its own GPUDevice/GPUAdapterInfo types, which are the same objects.
        return new webgpu.WebGPUBackend(device as never, info as never);
      },
      3, // tfjs's own priority for webgpu
    );
  }

  return {
    name: 'webgpu',
    backendName: 'webgpu',
    capabilities,
    options: opts,
    async init() {
      ready ??= setUp().catch((err) => {
        ready = undefined; // let a later call retry, e.g. after a driver was installed
        throw err;
      });
      await ready;
      if (tf.getBackend() !== 'webgpu' && !(await tf.setBackend('webgpu'))) {
        throw new DescentError('WebGPU: tfjs could not start its webgpu backend (requestDevice failed; the console has the cause)');
      }
      // Before useBackend fills capabilities.fusedKernels from the registry.
      if (registerKernels().nativeHalf && !(await nativeF16Rounds())) {
        declineNativeF16((tf.backend() as unknown as { device: object }).device);
        registerWebGPUAmpKernels();
        capabilities.info.nativeF16 = 'off: the device offers shader-f16 but does not round to f16 (checked at init); autocast emulates it';
      }
    },
  };
}

/** Registers the optim and amp kernels for the initialized webgpu backend. */
function registerKernels(): { nativeHalf: boolean } {
  const backend = tf.findBackend('webgpu') as unknown as { device: { limits: { maxStorageBuffersPerShaderStage: number } } } | null;
  if (!backend) return { nativeHalf: false };
  registerWebGPUOptimKernels(backend.device.limits.maxStorageBuffersPerShaderStage);
  return registerWebGPUAmpKernels();
}

// An app that starts tfjs's webgpu backend itself (tf.setBackend) still gets
// the fused kernels: the first fused op call on webgpu registers them.
registerKernelInstaller('webgpu', () => void registerKernels());
