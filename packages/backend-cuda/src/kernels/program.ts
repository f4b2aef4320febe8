// A fused kernel on tfjs-node's `tensorflow` backend is a short sequence of
// TensorFlow eager ops run straight through its binding: intermediates stay
// TensorFlow tensor handles (no tfjs tensors, no engine bookkeeping, no dtype
// limits, so a half-precision intermediate is fine), each float attribute is
// uploaded once as a float32 scalar, and everything but the outputs is deleted
// when the kernel returns, also when an op throws.
import type * as tf from '@tensorflow/tfjs-core';
import { declaredShape, type AttrSpec, type AttrValues, type FusedKernelFunc, type FusedOpDeclaration } from '@descent/core';

/** An op attribute as the binding takes it. */
export interface TfOpAttr {
  name: string;
  type: number;
  value: boolean | number | number[] | string;
}

export interface TfTensorMeta {
  id: number;
  shape: number[];
  dtype: number;
}

/** The parts of tfjs-node 4.22's native binding the kernels use. */
export interface TfBinding {
  executeOp(name: string, attrs: TfOpAttr[], inputIds: number[], numOutputs: number): TfTensorMeta[];
  createTensor(shape: number[], dtype: number, values: Float32Array | Int32Array): number;
  deleteTensor(id: number): void;
  isUsingGpuDevice(): boolean;
  TF_FLOAT: number;
  TF_INT32: number;
  TF_BOOL: number;
  TF_ATTR_TYPE: number;
  TF_ATTR_BOOL: number;
  TF_Version: string;
}

/** The parts of tfjs-node 4.22's NodeJSKernelBackend used here (the last two are private in its typings). */
export interface NodeBackend extends tf.KernelBackend {
  binding: TfBinding;
  isGPUPackage: boolean;
  isUsingGpuDevice: boolean;
  getInputTensorIds(tensors: tf.TensorInfo[]): number[];
  createOutputTensor(meta: TfTensorMeta): tf.Tensor;
}

// TF_DataType values of tensorflow/c/tf_datatype.h that the binding does not export.
export const TF_BFLOAT16 = 14;
export const TF_HALF = 19;

/** A TensorFlow tensor handle inside one program run, with chainable float32 ops. */
export class Handle {
  constructor(
    readonly program: TfProgram,
    readonly id: number,
    readonly dtype: number,
  ) {}

  private bin(op: string, other: Handle | number): Handle {
    return this.program.run(op, [this, this.program.operand(other)]);
  }
  mul(o: Handle | number) {
    return this.bin('Mul', o);
  }
  add(o: Handle | number) {
    return this.bin('AddV2', o);
  }
  sub(o: Handle | number) {
    return this.bin('Sub', o);
  }
  div(o: Handle | number) {
    return this.bin('RealDiv', o);
  }
  max(o: Handle | number) {
    return this.bin('Maximum', o);
  }
  min(o: Handle | number) {
    return this.bin('Minimum', o);
  }
  greater(o: Handle | number) {
    return this.bin('Greater', o);
  }
  less(o: Handle | number) {
    return this.bin('Less', o);
  }
  sqrt() {
    return this.program.run('Sqrt', [this]);
  }
  abs() {
    return this.program.run('Abs', [this]);
  }
  sign() {
    return this.program.run('Sign', [this]);
  }
  neg() {
    return this.program.run('Neg', [this]);
  }
  square() {
    return this.program.run('Square', [this]);
  }
  reciprocal() {
    return this.program.run('Reciprocal', [this]);
  }
  rsqrt() {
    return this.program.run('Rsqrt', [this]);
  }
  isNan() {
    return this.program.run('IsNan', [this]);
  }
  isFinite() {
    return this.program.run('IsFinite', [this]);
  }
}

/** One run of a kernel: the handles it made, deleted by `dispose()` unless they became outputs. */
export class TfProgram {
  private readonly temps = new Set<number>();
  private readonly scalars = new Map<number, Handle>();
  readonly binding: TfBinding;

  constructor(readonly backend: NodeBackend) {
    this.binding = backend.binding;
  }

  typeAttr(name: string, dtype: number): TfOpAttr {
    return { name, type: this.binding.TF_ATTR_TYPE, value: dtype };
  }
  boolAttr(name: string, value: boolean): TfOpAttr {
    return { name, type: this.binding.TF_ATTR_BOOL, value };
  }

  input(info: tf.TensorInfo): Handle {
    // The input's own handle: read, never deleted or handed out (output() copies it).
    const [id] = this.backend.getInputTensorIds([info]);
    return new Handle(this, id!, this.binding.TF_FLOAT);
  }

  /** `f(x)`: the attribute rounded to float32 once, as a `[]` tensor (one per value and run). */
  f(value: number): Handle {
    const v = Math.fround(value);
    let h = this.scalars.get(v);
    if (!h) {
      h = this.keep(this.binding.createTensor([], this.binding.TF_FLOAT, Float32Array.of(v)), this.binding.TF_FLOAT);
      this.scalars.set(v, h);
    }
    return h;
  }

  operand(x: Handle | number): Handle {
    return typeof x === 'number' ? this.f(x) : x;
  }

  /** A constant int32 tensor (reduction axes, bit masks). */
  int32(values: readonly number[], shape: number[] = [values.length]): Handle {
    return this.keep(this.binding.createTensor(shape, this.binding.TF_INT32, Int32Array.from(values)), this.binding.TF_INT32);
  }

  private keep(id: number, dtype: number): Handle {
    this.temps.add(id);
    return new Handle(this, id, dtype);
  }

  /** Runs one op (`attrs` default to `T` = the first input's dtype) and returns its one output. */
  run(op: string, args: Handle[], attrs?: TfOpAttr[]): Handle {
    const [meta] = this.binding.executeOp(op, attrs ?? [this.typeAttr('T', args[0]!.dtype)], args.map((h) => h.id), 1);
    return this.keep(meta!.id, meta!.dtype);
  }

  /** `cond ? a : b`, elementwise with broadcasting (SelectV2). */
  select(cond: Handle, a: Handle | number, b: Handle | number): Handle {
    const ta = this.operand(a);
    return this.run('SelectV2', [cond, ta, this.operand(b)], [this.typeAttr('T', ta.dtype)]);
  }

  /** A reduction over every axis of `x` (`Sum`, `All`, `Any`), to a `[]` tensor. */
  reduceAll(op: 'Sum' | 'All' | 'Any', x: Handle, rank: number): Handle {
    const axes = this.int32(Array.from({ length: rank }, (_, i) => i));
    const attrs = [this.boolAttr('keep_dims', false), this.typeAttr('Tidx', this.binding.TF_INT32)];
    if (op === 'Sum') attrs.push(this.typeAttr('T', x.dtype));
    return this.run(op, [x, axes], attrs);
  }

  /** `Sum` of float32 `x` over one axis, kept as size 1 (tfjs's `sum(x, axis, true)`). */
  sumAxis(x: Handle, axis: number): Handle {
    const attrs = [this.boolAttr('keep_dims', true), this.typeAttr('Tidx', this.binding.TF_INT32), this.typeAttr('T', x.dtype)];
    return this.run('Sum', [x, this.int32([axis], [])], attrs);
  }

  cast(x: Handle, to: number): Handle {
    return this.run('Cast', [x], [this.typeAttr('SrcT', x.dtype), this.typeAttr('DstT', to), this.boolAttr('Truncate', false)]);
  }

  /** Reinterprets the bits (float32 ↔ int32); no arithmetic, so nothing is flushed or rounded. */
  bitcast(x: Handle, to: number): Handle {
    return this.run('Bitcast', [x], [this.typeAttr('T', x.dtype), this.typeAttr('type', to)]);
  }

  /**
   * Hands `h` (float32) over to tfjs as a new tensor. An input, or a handle
   * already handed over, is copied first (Identity), so no two tensors share a handle.
   */
  output(h: Handle, shape: number[]): tf.TensorInfo {
    if (h.dtype !== this.binding.TF_FLOAT) throw new Error(`tensorflow kernel: an output must be float32 (TF dtype ${this.binding.TF_FLOAT}), got TF dtype ${h.dtype}`);
    const id = this.temps.has(h.id) ? h.id : this.run('Identity', [h]).id;
    this.temps.delete(id);
    return this.backend.createOutputTensor({ id, shape, dtype: h.dtype });
  }

  dispose(): void {
    for (const id of this.temps) this.binding.deleteTensor(id);
    this.temps.clear();
  }
}

export type KernelAttrs = Record<string, number | boolean>;

/** What a kernel body gets: the program, its inputs as handles, and the op's attributes, typed by its declaration. */
export type KernelBody<I extends string, O extends string, A extends AttrSpec> = (p: TfProgram, x: Record<I, Handle>, attrs: AttrValues<A>, info: Record<I, tf.TensorInfo>) => Record<O, Handle>;

/** Any kernel here, its declaration's types erased (for the registration table). */
export type TfKernel = FusedKernelFunc;

/**
 * Wraps a kernel body written against `decl`: inputs become handles, outputs
 * become tfjs tensors of their declared shape (scalar outputs: name them in
 * `scalarOutputs`), and the run's other handles are deleted whatever happens.
 * A body that misses a declared output or reads an undeclared input or
 * attribute does not compile.
 */
export function tfKernel<I extends string, O extends string, A extends AttrSpec>(
  decl: FusedOpDeclaration<I, O, A>,
  body: KernelBody<I, O, A>,
  scalarOutputs: readonly O[] = [],
): FusedKernelFunc<I, O, A> {
  return ({ inputs: infos, attrs, backend }) => {
    const p = new TfProgram(backend as unknown as NodeBackend);
    try {
      const x = {} as Record<I, Handle>;
      for (const name of decl.inputs) x[name] = p.input(infos[name]);
      const shape = infos[decl.inputs[0]].shape;
      const out = body(p, x, attrs, infos);
      const result = {} as Record<O, tf.TensorInfo>;
      for (const name of decl.outputs) result[name] = p.output(out[name], scalarOutputs.includes(name) ? [] : declaredShape(decl, name, shape));
      return result;
    } finally {
      p.dispose();
    }
  };
}

/** torch's `g`: the grad after the optional sign flip and L2 weight decay (KERNELS.md). */
export function effectiveGrad(p: TfProgram, param: Handle, grad: Handle, a: KernelAttrs): Handle {
  let g = a.maximize ? grad.neg() : grad;
  if ((a.weightDecay as number) !== 0) g = g.add(param.mul(a.weightDecay as number));
  return g;
}

/** torch's cpu `lerp(s, e, w)` with a float32 weight (KERNELS.md). */
export function lerp(s: Handle, e: Handle, weight: number): Handle {
  const w = Math.fround(weight);
  const diff = e.sub(s);
  return Math.abs(w) < 0.5 ? s.add(diff.mul(w)) : e.sub(diff.mul(Math.fround(1 - w)));
}

/** `x * f(a) + f(b) * y`: torch's `x.mul_(a).add_(y, alpha=b)`. */
export function ema(x: Handle, a: number, y: Handle, b: number): Handle {
  return x.mul(a).add(y.mul(b));
}

/** `x * f(a) + (f(b) * y) * y`: torch's `x.mul_(a).addcmul_(y, y, value=b)`. */
export function emaSq(x: Handle, a: number, y: Handle, b: number): Handle {
  return x.mul(a).add(y.mul(b).mul(y));
}
