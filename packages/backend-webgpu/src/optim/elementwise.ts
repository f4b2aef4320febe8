// One WGSL dispatch per parameter for the elementwise optim ops: every output
// (new param, new state) written by the same invocation, into new tensors.
import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@descent/core';
import type { AttrsOf, FusedAttrs, FusedKernelArgs, FusedKernelFunc, FusedOpDeclaration } from '@descent/core';
import { getPipeline, grid, makeBindGroup } from './pipeline.js';
import { checkBackend, gpuBuffer, newOutput, recordDispatch, type ProgramUniform } from '../tfjs-webgpu.js';

export const WORKGROUP = 256;

/** The `f32` attributes of a declaration. */
type F32Attr<D> = D extends FusedOpDeclaration<string, string, infer A> ? { [K in keyof A]: A[K] extends 'f32' ? K : never }[keyof A] & string : never;

/** An elementwise op's kernel, written against its declaration: its float attributes and a WGSL body per flag set. */
export interface ElementwiseSpec<D extends FusedOpDeclaration = FusedOpDeclaration> {
  /** The op: its inputs are bound as `<name>`, its outputs as `out_<name>`, in declaration order. */
  decl: D;
  /** Attributes passed as f32 uniforms (each rounded to float32 once), read as `f.<name>`. */
  scalars: readonly F32Attr<D>[];
  /**
   * Uniforms derived from the attributes, after the scalars, read as `f.<name>`:
   * only a lerp's complement `f(1 - f(w))` (KERNELS.md's one derived scalar).
   */
  derived?: { [name: string]: (attrs: AttrsOf<D>) => number };
  /** Boolean facts the shader is specialized on (flags, `weightDecay != 0`). */
  flags?: (attrs: AttrsOf<D>) => Record<string, boolean>;
  /**
   * Body run for element `i` (in range): reads inputs as `<name>[i]`, writes
   * outputs as `out_<name>[i]`. `R(x)` marks a value torch holds as a float32
   * tensor before reusing it, so that no FMA contraction reaches through it.
   */
  body: (flags: Record<string, boolean>) => string;
}

/** The uniform struct: size, row stride of a 2-D dispatch, a runtime 1.0, then the attributes. */
export function uniformStruct(extra: readonly string[], scalars: readonly string[]): string {
  const fields = [...extra, 'one: f32', ...scalars.map((s) => `${s}: f32`)];
  return `struct Uniforms {\n${fields.map((f) => `  ${f},`).join('\n')}\n};`;
}

/**
 * Storage bindings: outputs `out_<name>` (read-write), then inputs (read-only),
 * then the uniforms as `f`; elements of type `T` (f32, or vec4<f32> for 4 elements an invocation).
 */
export function bindings(inputs: readonly string[], outputs: readonly string[], type = 'f32'): string {
  const lines = [`alias T = ${type};`];
  outputs.forEach((o, i) => lines.push(`@group(0) @binding(${i}) var<storage, read_write> out_${o}: array<T>;`));
  inputs.forEach((x, i) => lines.push(`@group(0) @binding(${outputs.length + i}) var<storage, read> ${x}: array<T>;`));
  lines.push(`@group(0) @binding(${outputs.length + inputs.length}) var<uniform> f: Uniforms;`);
  // x * 1.0 with the 1.0 unknown to the compiler: it keeps x a separately rounded float32
  // (WGSL has no 'precise'; a compiler may otherwise fuse x's multiply into a later add).
  lines.push('fn R(x: T) -> T { return x * f.one; }');
  return lines.join('\n');
}

/** The shader; with `vec4`, each invocation updates 4 elements (the body is the same, on vec4<f32>). */
export function elementwiseShader(spec: ElementwiseSpec, flags: Record<string, boolean>, vec4 = false): string {
  return `${uniformStruct(['n: u32', 'rowStride: u32'], [...spec.scalars, ...Object.keys(spec.derived ?? {})])}
${bindings(spec.decl.inputs, spec.decl.outputs, vec4 ? 'vec4<f32>' : 'f32')}

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * f.rowStride + gid.x;
  if (i >= f.n) { return; }
${spec.body(flags)}
}
`;
}

export function flagKey(flags: Record<string, boolean>): string {
  return Object.keys(flags)
    .sort()
    .map((k) => `${k}=${flags[k] ? 1 : 0}`)
    .join(',');
}

/** The f32 uniforms of `scalars`, read from `attrs`; a missing attribute is an error, not a NaN. */
export function scalarUniforms(op: string, scalars: readonly string[], attrs: FusedAttrs | Record<string, number | boolean>): ProgramUniform[] {
  return scalars.map((s) => {
    const value = attrs[s];
    if (typeof value !== 'number') throw new InvalidArgumentError(s, value, `Descent${op} on webgpu: attribute ${s} must be a number, got ${JSON.stringify(value)}`);
    return { type: 'float32', data: [value] };
  });
}

/** A spec, type-checked against its declaration. */
export function elementwise<D extends FusedOpDeclaration>(spec: ElementwiseSpec<D>): ElementwiseSpec {
  return spec as unknown as ElementwiseSpec;
}

/** The outputs of `decl` by name, from a list in declaration order. */
export function byName(decl: FusedOpDeclaration, list: tf.TensorInfo[]): Record<string, tf.TensorInfo> {
  return Object.fromEntries(decl.outputs.map((name, i) => [name, list[i]]));
}

export function elementwiseKernel(spec: ElementwiseSpec): FusedKernelFunc {
  const { decl } = spec;
  return ({ inputs, attrs, backend }: FusedKernelArgs) => {
    const be = checkBackend(backend);
    const shape = [...inputs[decl.inputs[0]].shape];
    const n = shape.reduce((a, b) => a * b, 1);
    if (n === 0) return byName(decl, decl.outputs.map(() => be.makeTensorInfo(shape, 'float32', new Float32Array(0))));
    const ins = decl.inputs.map((name) => inputs[name]);
    // Upload first: an upload ends the compute pass, which the dispatch then reopens.
    const inBuffers = ins.map((t) => gpuBuffer(be, t));
    const outs = decl.outputs.map(() => newOutput(be, shape));
    const outBuffers = outs.map((t) => be.tensorMap.get(t.dataId).resource);
    const flags = spec.flags?.(attrs as never) ?? {};
    // Four elements an invocation when the size allows: fewer, wider memory accesses.
    const vec4 = n % 4 === 0;
    const items = vec4 ? n / 4 : n;
    const p = getPipeline(be.device, {
      key: `Descent${decl.name}[${flagKey(flags)}${vec4 ? ',vec4' : ''}]`,
      code: elementwiseShader(spec, flags, vec4),
      outputs: outs.length,
      inputs: ins.length,
    });
    const [x, y] = grid(Math.ceil(items / WORKGROUP));
    const uniforms = be.makeUniforms([
      { type: 'uint32', data: [items] },
      { type: 'uint32', data: [x * WORKGROUP] },
      { type: 'float32', data: [1] },
      ...scalarUniforms(decl.name, spec.scalars, attrs),
      ...Object.values(spec.derived ?? {}).map((value): ProgramUniform => ({ type: 'float32', data: [value(attrs as never)] })),
    ]);
    const bindGroup = makeBindGroup(be.device, p, [...outBuffers, ...inBuffers], uniforms);
    recordDispatch(be, `Descent${decl.name}`, p.pipeline, bindGroup, [x, y], [...ins, ...outs]);
    return byName(decl, outs);
  };
}
