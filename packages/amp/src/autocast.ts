import * as tf from '@tensorflow/tfjs-core';
import {
  ensureKernels,
  fusedOps,
  hostRoundKernel,
  InvalidArgumentError,
  kernelNameOf,
  nativeHalfKernel,
  registerFusedKernel,
  type HalfDtype,
} from '@descent/core';

/**
 * tfjs kernels that torch's autocast runs in half precision (its "lower_precision_fp"
 * list: mm/matmul/bmm/linear, conv1d/2d/3d and their transposes, prelu, einsum),
 * including the backward kernels that their gradients call. conv1d is a Conv2D in tfjs.
 */
export const AUTOCAST_HALF_KERNELS: readonly string[] = [
  'BatchMatMul',
  '_FusedMatMul',
  'Einsum',
  'Conv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'FusedConv2D',
  'DepthwiseConv2dNative',
  'DepthwiseConv2dNativeBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'FusedDepthwiseConv2D',
  'Conv3D',
  'Conv3DBackpropInputV2',
  'Conv3DBackpropFilterV2',
  'Prelu',
];

// Tape nodes of half ops: the gradients they hand back are half too, as in torch.
// The fused ops record their node under the op's scope name (customGrad); @descent/nn's
// layer kernels (DescentLinear, DescentConv2d) run _FusedMatMul and FusedConv2D under their own names.
const HALF_TAPE_NODES = new Set([
  ...AUTOCAST_HALF_KERNELS,
  'fusedMatMul__op',
  'fusedConv2d__op',
  'fusedDepthwiseConv2d__op',
  kernelNameOf('Linear'),
  kernelNameOf('Conv2d'),
]);

/** Options of {@link autocast}. */
export interface AutocastOptions {
  /** Half type of the autocast ops. Default 'float16', as torch's CUDA autocast. */
  dtype?: HalfDtype;
  /** false runs `fn` with autocast off, also inside an enclosing autocast. Default true. */
  enabled?: boolean;
}

type Mode = HalfDtype | null;

let mode: Mode = null;
let depth = 0;
let installed: { backendName: string; kernels: tf.KernelConfig[]; engineHadOwn: boolean; addTapeNode: unknown } | null = null;

/** Whether an autocast scope is on right now, and its dtype. */
export function autocastDtype(): HalfDtype | null {
  return mode;
}

type AnyBackend = tf.KernelBackend & { disposeData(dataId: object, force?: boolean): boolean };

function roundInfo(info: tf.TensorInfo, backend: tf.KernelBackend, backendName: string, dtype: HalfDtype): tf.TensorInfo {
  const kernel = tf.getKernel(kernelNameOf('AmpRoundHalf'), backendName);
  const args = { inputs: { x: info }, attrs: { bfloat16: dtype === 'bfloat16' }, backend };
  if (!kernel) return hostRoundKernel(args).y;
  const out = kernel.kernelFunc(args as never) as tf.TensorInfo | tf.TensorInfo[];
  return Array.isArray(out) ? out[0] : out;
}

/** Emulated half: round float32 inputs to the half grid, run the float32 kernel, round its outputs. */
function wrapKernel(config: tf.KernelConfig): tf.KernelFunc {
  const original = config.kernelFunc;
  return (args) => {
    const dtype = mode;
    if (dtype === null) return original(args);
    const native = nativeHalfKernel(config.backendName, config.kernelName)?.(dtype);
    // A native kernel may decline a case (returns null): the emulation takes it.
    const nativeOut = native ? (native(args as Parameters<typeof native>[0])) : null;
    if (nativeOut) return nativeOut;
    const backend = args.backend as AnyBackend;
    const temps: tf.TensorInfo[] = [];
    const inputs: tf.NamedTensorInfoMap = {};
    for (const [name, info] of Object.entries(args.inputs)) {
      if (info != null && info.dtype === 'float32') {
        const r = roundInfo(info, backend, config.backendName, dtype);
        temps.push(r);
        inputs[name] = r;
      } else {
        inputs[name] = info as tf.TensorInfo;
      }
    }
    try {
      const out = original({ ...args, inputs });
      const list = Array.isArray(out) ? out : [out];
      const rounded = list.map((o) => {
        // A kernel that returned a live tensor (none of these do) is left as it is.
        if (o.dtype !== 'float32' || (o as tf.Tensor).rank != null) return o;
        const r = roundInfo(o, backend, config.backendName, dtype);
        backend.disposeData(o.dataId);
        return r;
      });
      return Array.isArray(out) ? rounded : rounded[0];
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };
}

interface TapeNode {
  kernelName: string;
  gradient?: (dys: tf.Tensor[]) => Record<string, () => tf.Tensor>;
}
interface EngineInternals {
  state: { activeTape: TapeNode[] };
  addTapeNode: (...args: unknown[]) => void;
}

function roundTensor(t: tf.Tensor, dtype: HalfDtype): tf.Tensor {
  if (t.dtype !== 'float32') return t;
  const out = tf.engine().runKernel(kernelNameOf('AmpRoundHalf'), { x: t }, { bfloat16: dtype === 'bfloat16' }) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out[0] : out;
}

/**
 * Tape nodes recorded inside a scope remember its mode, so their gradients run
 * in it even when the backward pass runs after the scope has closed (torch
 * records the casts in the graph; tfjs looks kernels up when they run).
 */
function wrapTapeNode(node: TapeNode, dtype: Mode): void {
  const gradient = node.gradient;
  if (!gradient) return;
  const roundResults = dtype !== null && HALF_TAPE_NODES.has(node.kernelName);
  node.gradient = (dys) => {
    const thunks = withMode(dtype, () => gradient(dys));
    const out: Record<string, () => tf.Tensor> = {};
    for (const [name, thunk] of Object.entries(thunks)) {
      out[name] = () => withMode(dtype, () => (roundResults ? roundTensor(thunk(), dtype!) : thunk()));
    }
    return out;
  };
}

function install(): void {
  const backendName = tf.getBackend();
  ensureKernels(backendName);
  // A backend whose adapter has no rounding kernel reads back to the host.
  if (!tf.getKernel(kernelNameOf('AmpRoundHalf'), backendName)) registerFusedKernel(fusedOps.AmpRoundHalf, backendName, hostRoundKernel);
  const kernels: tf.KernelConfig[] = [];
  for (const kernelName of AUTOCAST_HALF_KERNELS) {
    const config = tf.getKernel(kernelName, backendName);
    if (!config) continue;
    kernels.push(config);
    tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel({ ...config, kernelFunc: wrapKernel(config) });
  }
  const engine = tf.engine() as unknown as EngineInternals;
  const engineHadOwn = Object.prototype.hasOwnProperty.call(engine, 'addTapeNode');
  const addTapeNode = engine.addTapeNode;
  engine.addTapeNode = function (this: EngineInternals, ...args: unknown[]) {
    addTapeNode.apply(this, args);
    const tape = this.state.activeTape;
    wrapTapeNode(tape[tape.length - 1], mode);
  };
  installed = { backendName, kernels, engineHadOwn, addTapeNode };
}

function uninstall(): void {
  if (!installed) return;
  for (const config of installed.kernels) {
    tf.unregisterKernel(config.kernelName, installed.backendName);
    tf.registerKernel(config);
  }
  const engine = tf.engine() as unknown as Record<string, unknown>;
  if (installed.engineHadOwn) engine.addTapeNode = installed.addTapeNode;
  else delete engine.addTapeNode;
  installed = null;
}

function enter(next: Mode): Mode {
  if (depth === 0) install();
  depth++;
  const previous = mode;
  mode = next;
  return previous;
}

function exit(previous: Mode): void {
  mode = previous;
  depth--;
  if (depth === 0) uninstall();
}

function withMode<T>(next: Mode, fn: () => T): T {
  if (next === mode && depth > 0) return fn();
  const previous = enter(next);
  try {
    return fn();
  } finally {
    exit(previous);
  }
}

/**
 * Runs `fn` with torch-style autocast: matmuls and convolutions (see
 * {@link AUTOCAST_HALF_KERNELS}) take half-precision inputs and give
 * half-precision outputs; everything else (softmax, reductions, norms, exp/log,
 * losses) stays float32. Values remain float32 tensors on the half grid: on
 * backends without native half, each half op rounds its inputs and outputs by
 * exact IEEE round-to-nearest-even, so overflow to Infinity and underflow to 0
 * happen as on a GPU. Gradients of ops recorded inside run in half as well, even
 * if the backward pass runs after `fn` returns. Works on any tfjs model,
 * tfjs-layers included, by overriding the active backend's kernels for the
 * duration of the scope. Variables are not touched: master weights stay float32.
 *
 * If `fn` returns a promise, the scope stays open until it settles; other code
 * running meanwhile is then inside the scope too.
 */
export function autocast<T>(fn: () => T, options: AutocastOptions = {}): T {
  const { dtype = 'float16', enabled = true } = options;
  if (dtype !== 'float16' && dtype !== 'bfloat16') throw new InvalidArgumentError('dtype', dtype, `Invalid autocast dtype: ${JSON.stringify(dtype)} (expected 'float16' or 'bfloat16')`);
  const next: Mode = enabled ? dtype : null;
  const previous = enter(next);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    exit(previous);
    throw err;
  }
  if (result instanceof Promise) {
    return result.finally(() => exit(previous)) as T;
  }
  exit(previous);
  return result;
}
