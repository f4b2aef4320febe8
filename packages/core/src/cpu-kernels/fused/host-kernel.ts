import type * as tf from '@tensorflow/tfjs-core';
import type { FusedKernelArgs, FusedKernelFunc } from '../../fused/kernel.js';
import { declaredShape, type AttrsOf, type FusedOpDeclaration, type InputsOf, type OutputsOf } from '../../fused/declaration.js';
import { outputArray } from './recycler.js';
import { DescentError } from '../../errors.js';
import { checkCpuBackend, type CpuBackendLike } from '../shared.js';

function read(backend: CpuBackendLike, t: tf.TensorInfo): Float32Array {
  const values = backend.data.get(t.dataId)?.values ?? backend.readSync(t.dataId);
  return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
}

/**
 * A kernel body: reads `x`, fills `out` (arrays of each output's declared size,
 * recycled ones included: a body must write every element of every output).
 * `n` is the first input's size and `shape` its shape.
 */
export type Body<D extends FusedOpDeclaration> = (
  x: Record<InputsOf<D>, Float32Array>,
  out: Record<OutputsOf<D>, Float32Array>,
  n: number,
  a: AttrsOf<D>,
  shape: readonly number[],
) => void;

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** A cpu kernel for `decl` from a loop over the backend's typed arrays. */
export function hostKernel<I extends string, O extends string, D extends FusedOpDeclaration<I, O>>(decl: D, body: Body<D>): FusedKernelFunc<I, O> {
  return ({ inputs, attrs, backend }: FusedKernelArgs<I>) => {
    const be = checkCpuBackend(backend);
    const x = {} as Record<string, Float32Array>;
    for (const name of decl.inputs) x[name] = read(be, inputs[name as I]);
    const n = x[decl.inputs[0]].length;
    const shape = [...inputs[decl.inputs[0] as I].shape];
    const shapes = {} as Record<string, number[]>;
    for (const name of [...decl.inputs, ...decl.outputs]) shapes[name] = declaredShape(decl, name, shape);
    // The body trusts every size, so check the inputs' against the declaration.
    for (const name of decl.inputs) {
      if (x[name].length !== sizeOf(shapes[name])) {
        throw new DescentError(`${decl.name}: input ${name} has shape [${inputs[name as I].shape}], expected [${shapes[name]}] for ${decl.inputs[0]} [${shape}]`);
      }
    }
    const out = {} as Record<string, Float32Array>;
    for (const name of decl.outputs) out[name] = outputArray(sizeOf(shapes[name]), x);
    body(x as never, out as never, n, attrs as never, shape);
    const infos = {} as Record<O, tf.TensorInfo>;
    for (const name of decl.outputs) infos[name as O] = be.makeTensorInfo(shapes[name], 'float32', out[name]);
    return infos;
  };
}

/** `f(x)` of KERNELS.md: an attribute rounded to float32 once. */
export const f = Math.fround;
/** Rounds a value torch stores as a float32 tensor (a moment, an average) before it is reused. */
export const R = Math.fround;

/** `g` of KERNELS.md: sign flip and L2 weight decay. */
export function gradFn(a: { weightDecay: number; maximize?: boolean }): (g: number, p: number) => number {
  const wd = f(a.weightDecay);
  const sign = a.maximize ? -1 : 1;
  return wd !== 0 ? (g, p) => R(sign * g + wd * p) : (g) => sign * g;
}

/** torch's cpu `lerp(s, e, w)` for a float32 weight `w` (KERNELS.md). */
export function lerpFn(weight: number): (s: number, e: number) => number {
  const w = f(weight);
  const c = f(1 - w);
  return Math.abs(w) < 0.5 ? (s, e) => s + (e - s) * w : (s, e) => e - (e - s) * c;
}
