import * as tf from '@tensorflow/tfjs-core';
import { DescentError } from '../errors.js';
import { checkAttrs, type AttrSpec, type AttrValues, type FusedOpDeclaration } from './declaration.js';
import { ensureKernels } from './kernel.js';

/** The reference implementation of an op: plain tfjs ops, valid on every backend. */
export type FusedFallback<I extends string, O extends string, A extends AttrSpec> = (
  inputs: Record<I, tf.Tensor>,
  attrs: AttrValues<A>,
) => Record<O, tf.Tensor>;

/**
 * An op declared once, with a composite fallback, that backends may speed up.
 * Calling it runs the kernel registered for the active backend if there is one,
 * else the fallback; the caller never knows which ran. Outputs are new tensors
 * the caller owns; inputs are never written.
 */
export interface FusedOp<I extends string = string, O extends string = string, A extends AttrSpec = AttrSpec> {
  readonly name: string;
  readonly kernelName: string;
  readonly declaration: FusedOpDeclaration<I, O, A>;
  readonly inputs: readonly I[];
  readonly outputs: readonly O[];
  (inputs: Record<I, tf.Tensor>, attrs: AttrValues<A>): Record<O, tf.Tensor>;
  /** Always the composite fallback (tests compare kernels with it). */
  fallback(inputs: Record<I, tf.Tensor>, attrs: AttrValues<A>): Record<O, tf.Tensor>;
  /** Whether `backendName` (default: the active one) has a kernel for this op. */
  hasKernel(backendName?: string): boolean;
}

const ops = new Map<string, FusedOp>();

/** The tfjs kernel name of a fused op: `Descent<opName>`. */
export function kernelNameOf(opName: string): string {
  return `Descent${opName}`;
}

/** Gives a declaration its fallback. Defining the same op twice returns the first definition. */
export function defineFusedOp<I extends string, O extends string, A extends AttrSpec>(
  decl: FusedOpDeclaration<I, O, A>,
  fallback: FusedFallback<I, O, A>,
): FusedOp<I, O, A> {
  const existing = ops.get(decl.name);
  if (existing) return existing as unknown as FusedOp<I, O, A>;
  const kernelName = kernelNameOf(decl.name);

  const runFallback = (inputs: Record<I, tf.Tensor>, attrs: AttrValues<A>) =>
    tf.tidy(() => fallback(inputs, attrs) as unknown as tf.TensorContainer) as unknown as Record<O, tf.Tensor>;

  const op = ((inputs: Record<I, tf.Tensor>, attrs: AttrValues<A>) => {
    checkAttrs(decl, attrs);
    if (!tf.getKernel(kernelName, tf.getBackend()) && !ensureKernels(tf.getBackend(), kernelName)) return runFallback(inputs, attrs);
    for (const name of decl.inputs) {
      if (!(inputs[name] instanceof tf.Tensor)) throw new DescentError(`Fused op ${decl.name}: input "${name}" is missing`);
    }
    // runKernel tracks the outputs as tensors, so tidy() and memory() see them.
    const result = tf.engine().runKernel(kernelName, inputs as unknown as tf.NamedTensorMap, attrs as never);
    const list = (Array.isArray(result) ? result : [result]) as tf.Tensor[];
    const out = {} as Record<O, tf.Tensor>;
    decl.outputs.forEach((name, i) => (out[name] = list[i]));
    return out;
  }) as FusedOp<I, O, A>;
  Object.assign(op, {
    kernelName,
    declaration: decl,
    inputs: decl.inputs,
    outputs: decl.outputs,
    fallback: (inputs: Record<I, tf.Tensor>, attrs: AttrValues<A>) => {
      checkAttrs(decl, attrs);
      return runFallback(inputs, attrs);
    },
    hasKernel: (backendName = tf.getBackend()) => tf.getKernel(kernelName, backendName) != null || ensureKernels(backendName, kernelName),
  });
  Object.defineProperty(op, 'name', { value: decl.name });
  ops.set(decl.name, op as unknown as FusedOp);
  return op;
}

/** Any fused op, whatever its declaration (registries and test harnesses that treat all ops alike). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFusedOp = FusedOp<any, any, any>;

/** All fused ops defined so far. */
export function listFusedOps(): string[] {
  return [...ops.keys()];
}

/** The fused op defined under `name` (by {@link defineFusedOp}), if any. */
export function getFusedOp(name: string): FusedOp | undefined {
  return ops.get(name);
}
