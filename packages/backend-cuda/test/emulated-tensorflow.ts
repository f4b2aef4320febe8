// A stand-in for tfjs-node's binding, for machines without libtensorflow: each
// TensorFlow op the optim kernels use, emulated in float32 on plain typed arrays
// (numpy broadcasting, TF's reductions), behind a tfjs backend that is the cpu
// backend plus what the kernels call on tfjs-node's (`binding`,
// `getInputTensorIds`, `createOutputTensor`). It checks the kernels' programs:
// which ops they run, on what, with which axes and attributes. It is not
// TensorFlow: the GPU suite (test/gpu/) checks the real thing.
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { TfBinding, TfOpAttr, TfTensorMeta } from '../src/kernels/program.js';

const TF_FLOAT = 1;
const TF_INT32 = 3;
const TF_BOOL = 10;

interface Value {
  data: Float32Array | Int32Array | Uint8Array;
  shape: number[];
  dtype: number;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function alloc(dtype: number, n: number): Value['data'] {
  return dtype === TF_FLOAT ? new Float32Array(n) : dtype === TF_INT32 ? new Int32Array(n) : new Uint8Array(n);
}

/** numpy's broadcast of several shapes. */
function broadcastShape(shapes: number[][]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const dims = shapes.map((s) => s[s.length - rank + i] ?? 1);
    const d = Math.max(...dims);
    if (dims.some((x) => x !== 1 && x !== d)) throw new Error(`emulated TF: shapes [${shapes.map((s) => s.join(',')).join('] [')}] do not broadcast`);
    out.push(d);
  }
  return out;
}

/** For each flat index of `out`, the flat index into a tensor of shape `shape` broadcast to it. */
function indexer(shape: number[], out: number[]): (i: number) => number {
  const rank = out.length;
  const padded = [...Array(rank - shape.length).fill(1), ...shape];
  const strides = new Array(rank).fill(0);
  for (let i = rank - 1, s = 1; i >= 0; i--) {
    strides[i] = padded[i] === 1 ? 0 : s;
    s *= padded[i];
  }
  return (flat) => {
    let at = 0;
    for (let i = rank - 1; i >= 0; i--) {
      const d = out[i];
      at += (flat % d) * strides[i];
      flat = Math.floor(flat / d);
    }
    return at;
  };
}

function elementwise(args: Value[], dtype: number, f: (...x: number[]) => number): Value {
  const shape = broadcastShape(args.map((a) => a.shape));
  const n = size(shape);
  const data = alloc(dtype, n);
  const at = args.map((a) => indexer(a.shape, shape));
  const xs = new Array(args.length);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < args.length; k++) xs[k] = args[k].data[at[k](i)];
    data[i] = f(...xs);
  }
  return { data, shape, dtype };
}

const R = Math.fround;
const FLOAT_OPS: Record<string, (...x: number[]) => number> = {
  Mul: (a, b) => R(a * b),
  AddV2: (a, b) => R(a + b),
  Sub: (a, b) => R(a - b),
  RealDiv: (a, b) => R(a / b),
  Maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)),
  Minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)),
  Sqrt: (a) => R(Math.sqrt(a)),
  Rsqrt: (a) => R(1 / Math.sqrt(a)),
  Reciprocal: (a) => R(1 / a),
  Abs: Math.abs,
  Neg: (a) => -a,
  Square: (a) => R(a * a),
  Sign: (a) => (Number.isNaN(a) ? NaN : a > 0 ? 1 : a < 0 ? -1 : 0),
};
const PREDICATES: Record<string, (...x: number[]) => boolean> = {
  Greater: (a, b) => a > b,
  Less: (a, b) => a < b,
  IsNan: (a) => Number.isNaN(a),
  IsFinite: (a) => Number.isFinite(a),
  LogicalAnd: (a, b) => a !== 0 && b !== 0,
  LogicalNot: (a) => a === 0,
};

/** TF's Sum/All/Any over `axes` (negative from the end), keeping them as 1 or dropping them. */
function reduce(op: string, x: Value, axes: number[], keepDims: boolean): Value {
  const rank = x.shape.length;
  const set = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
  const kept = x.shape.map((d, i) => (set.has(i) ? 1 : d));
  const n = size(kept);
  const acc = new Float64Array(n).fill(op === 'All' ? 1 : 0);
  const at = indexer(kept, x.shape);
  for (let i = 0; i < x.data.length; i++) {
    const j = at(i);
    if (op === 'Sum') acc[j] += x.data[i];
    else if (op === 'All') acc[j] = acc[j] && x.data[i] ? 1 : 0;
    else acc[j] = acc[j] || x.data[i] ? 1 : 0;
  }
  const dtype = op === 'Sum' ? x.dtype : TF_BOOL;
  const data = alloc(dtype, n);
  data.set(dtype === TF_FLOAT ? Float32Array.from(acc) : Array.from(acc));
  return { data, shape: keepDims ? kept : x.shape.filter((_, i) => !set.has(i)), dtype };
}

/** The binding's side: handles by id, and the ops above. */
class EmulatedBinding implements TfBinding {
  readonly TF_FLOAT = TF_FLOAT;
  readonly TF_INT32 = TF_INT32;
  readonly TF_BOOL = TF_BOOL;
  readonly TF_ATTR_TYPE = 7;
  readonly TF_ATTR_BOOL = 3;
  readonly TF_Version = 'emulated';
  readonly handles = new Map<number, Value>();
  /** The handles made for kernel inputs (tfjs-node's own tensors, which a kernel never deletes). */
  readonly inputHandles = new Set<number>();
  /** The handles tfjs tensors took over as kernel outputs (tfjs-node's tensors own them from then on). */
  readonly outputHandles = new Set<number>();
  /** Every op name run, for the test to see what the kernels use. */
  readonly opsRun = new Set<string>();
  private next = 1;

  put(v: Value): number {
    const id = this.next++;
    this.handles.set(id, v);
    return id;
  }

  get(id: number): Value {
    const v = this.handles.get(id);
    if (!v) throw new Error(`emulated TF: handle ${id} was deleted or never made`);
    return v;
  }

  createTensor(shape: number[], dtype: number, values: Float32Array | Int32Array): number {
    return this.put({ data: dtype === TF_FLOAT ? Float32Array.from(values) : Int32Array.from(values), shape: [...shape], dtype });
  }

  deleteTensor(id: number): void {
    if (!this.handles.delete(id)) throw new Error(`emulated TF: handle ${id} deleted twice`);
  }

  isUsingGpuDevice(): boolean {
    return false;
  }

  executeOp(name: string, attrs: TfOpAttr[], inputIds: number[], numOutputs: number): TfTensorMeta[] {
    if (numOutputs !== 1) throw new Error(`emulated TF: ${name} with ${numOutputs} outputs`);
    this.opsRun.add(name);
    const args = inputIds.map((id) => this.get(id));
    const attr = (n: string) => attrs.find((a) => a.name === n)?.value;
    let out: Value;
    if (name in FLOAT_OPS) {
      if (args.some((a) => a.dtype !== TF_FLOAT) || attr('T') !== TF_FLOAT) throw new Error(`emulated TF: ${name} on non-float32 input`);
      out = elementwise(args, TF_FLOAT, FLOAT_OPS[name]);
    } else if (name in PREDICATES) {
      out = elementwise(args, TF_BOOL, (...x) => (PREDICATES[name](...x) ? 1 : 0));
    } else if (name === 'SelectV2') {
      if (args[0].dtype !== TF_BOOL) throw new Error('emulated TF: SelectV2 needs a bool condition');
      out = elementwise(args, args[1].dtype, (c, a, b) => (c ? a : b));
    } else if (name === 'Sum' || name === 'All' || name === 'Any') {
      if (attr('Tidx') !== TF_INT32 || typeof attr('keep_dims') !== 'boolean') throw new Error(`emulated TF: ${name} attributes ${JSON.stringify(attrs)}`);
      out = reduce(name, args[0], Array.from(args[1].data), attr('keep_dims') as boolean);
    } else if (name === 'Identity') {
      out = { ...args[0], data: args[0].data.slice() };
    } else if (name === 'Cast' && attr('DstT') === TF_FLOAT) {
      out = { data: Float32Array.from(args[0].data), shape: args[0].shape, dtype: TF_FLOAT };
    } else {
      throw new Error(`emulated TF: op ${name} is not emulated`);
    }
    return [{ id: this.put(out), shape: out.shape, dtype: out.dtype }];
  }
}

/** The cpu backend, with tfjs-node's handle plumbing over the emulated binding. */
export class EmulatedTensorflowBackend extends MathBackendCPU {
  readonly binding = new EmulatedBinding();
  readonly isGPUPackage = false;
  readonly isUsingGpuDevice = false;

  /** tfjs-node hands a kernel the TF handles of its inputs; here a copy of the values. */
  getInputTensorIds(tensors: tf.TensorInfo[]): number[] {
    return tensors.map((t) => {
      const id = this.binding.put({ data: Float32Array.from(this.readSync(t.dataId) as Float32Array), shape: [...t.shape], dtype: TF_FLOAT });
      this.binding.inputHandles.add(id);
      return id;
    });
  }

  /** Handles that are neither inputs nor deleted: what a kernel leaked. */
  leakedHandles(): number[] {
    return [...this.binding.handles.keys()].filter((id) => !this.binding.inputHandles.has(id) && !this.binding.outputHandles.has(id));
  }

  createOutputTensor(meta: TfTensorMeta): tf.Tensor {
    const v = this.binding.get(meta.id);
    this.binding.outputHandles.add(meta.id);
    return this.makeTensorInfo(meta.shape, 'float32', v.data as Float32Array) as unknown as tf.Tensor;
  }
}

/** Registers the emulated backend under `name` with every cpu kernel, so fallbacks run there too. */
export function registerEmulatedTensorflow(name: string): EmulatedTensorflowBackend {
  const backend = new EmulatedTensorflowBackend();
  tf.registerBackend(name, () => backend);
  for (const k of tf.getKernelsForBackend('cpu')) {
    if (!tf.getKernel(k.kernelName, name)) tf.registerKernel({ ...k, backendName: name });
  }
  return backend;
}
