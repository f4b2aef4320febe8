// The pieces the optim kernels with global reductions share (LAMB, Adafactor,
// Muon): a grid-stride loop over at most MAX_GROUPS workgroups whose partial sums
// go to a scratch tensor, a later dispatch that sums the partials in every
// workgroup, torch's lerp, and recording a dispatch with its pipeline.
import type * as tf from '@tensorflow/tfjs-core';
import { DescentError, declaredShape, type FusedKernelFunc, type FusedOpDeclaration } from '@descent/core';
import { WORKGROUP } from './elementwise.js';
import { getPipeline, makeBindGroup } from './pipeline.js';
import { recordDispatch, type ProgramUniform, type WebGPUBackendLike } from '../tfjs-webgpu.js';

/** A kernel typed by its declaration: inputs, outputs and attributes by name. */
export type KernelFor<D> = D extends FusedOpDeclaration<infer I, infer O, infer A> ? FusedKernelFunc<I, O, A> : never;

/** At most this many workgroups write partial sums: the last dispatch reduces them one per invocation. */
export const MAX_GROUPS = WORKGROUP;

/** Workgroups of a grid-stride loop over `n` elements. */
export const strideGroups = (n: number): number => Math.min(Math.ceil(n / WORKGROUP), MAX_GROUPS);

/** Workgroup arrays `sum0`..`sum{k-1}`. */
export function sharedSums(k: number): string {
  return Array.from({ length: k }, (_, m) => `var<workgroup> sum${m}: array<f32, ${WORKGROUP}>;`).join('\n');
}

/** Tree-sums `sum0`..`sum{k-1}` into element 0; every invocation of the workgroup must reach it. */
export function treeSum(k: number): string {
  const adds = Array.from({ length: k }, (_, m) => `      sum${m}[li] = sum${m}[li] + sum${m}[li + s];`).join('\n');
  return `  workgroupBarrier();
  for (var s = ${WORKGROUP / 2}u; s > 0u; s = s >> 1u) {
    if (li < s) {
${adds}
    }
    workgroupBarrier();
  }`;
}

/** The entry point, with `li`, `wg` and `nwg`. */
export const ENTRY = `@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {`;

/** The grid-stride loop over `f.n` elements in `f.groups` workgroups (a 1-D dispatch). */
export const GRID_STRIDE = `for (var i = wg.x * ${WORKGROUP}u + li; i < f.n; i = i + f.groups * ${WORKGROUP}u)`;

/** After a grid-stride loop: the workgroup's sums of the local `values` to `out_partials[k * wg.x + m]`. */
export function writePartials(values: readonly string[]): string {
  const k = values.length;
  return `${values.map((v, m) => `  sum${m}[li] = ${v};`).join('\n')}
${treeSum(k)}
  if (li == 0u) {
${values.map((_, m) => `    out_partials[${k}u * wg.x + ${m}u] = sum${m}[0];`).join('\n')}
  }`;
}

/** In the last dispatch: the `k` totals of every workgroup's partials, as `total0`..`total{k-1}`, in every workgroup. */
export function readTotals(k: number): string {
  const ms = Array.from({ length: k }, (_, m) => m);
  return `${ms.map((m) => `  sum${m}[li] = 0.0;`).join('\n')}
  if (li < f.groups) {
${ms.map((m) => `    sum${m}[li] = partials[${k}u * li + ${m}u];`).join('\n')}
  }
${treeSum(k)}
${ms.map((m) => `  let total${m} = sum${m}[0];`).join('\n')}`;
}

/**
 * torch's cpu `lerp(s, e, w)` with a float32 weight (KERNELS.md): `low` when
 * `|f(w)| < 0.5`; `w` is the uniform `f(w)`, `c` the uniform `f(1 - f(w))`.
 * `s` and `e` are read twice, so pass names.
 */
export function lerp(low: boolean, s: string, e: string, w: string, c: string): string {
  return low ? `${s} + (${e} - ${s}) * ${w}` : `${e} - (${e} - ${s}) * ${c}`;
}

/** The uniforms `f(w)` and `f(1 - f(w))` of a lerp weight, and whether it takes the `low` form. */
export function lerpWeight(weight: number): { low: boolean; complement: number } {
  const w = Math.fround(weight);
  return { low: Math.abs(w) < 0.5, complement: Math.fround(1 - w) };
}

/** One dispatch of a kernel: its pipeline (compiled once per key), outputs (read-write) then inputs (read-only). */
export interface Pass {
  key: string;
  code: string;
  outputs: readonly tf.TensorInfo[];
  inputs: readonly tf.TensorInfo[];
  workgroups: readonly [number, number];
}

/**
 * Records `pass` into the backend's compute pass. Each pass gets its own uniform
 * buffer: tfjs returns one to its pool when it submits, which recordDispatch may
 * do between two passes of a kernel, and a later op could then overwrite it.
 */
export function runPass(be: WebGPUBackendLike, kernelName: string, pass: Pass, uniforms: ProgramUniform[]): void {
  const p = getPipeline(be.device, { key: `${kernelName}.${pass.key}`, code: pass.code, outputs: pass.outputs.length, inputs: pass.inputs.length });
  const buffers = [...pass.outputs, ...pass.inputs].map((t) => be.tensorMap.get(t.dataId).resource);
  const bindGroup = makeBindGroup(be.device, p, buffers, be.makeUniforms(uniforms));
  recordDispatch(be, kernelName, p.pipeline, bindGroup, pass.workgroups, [...pass.inputs, ...pass.outputs]);
}

/**
 * Every input's and output's declared shape for the first input's shape; an
 * input of another size is an error (the shaders trust every size).
 */
export function shapesOf<D extends FusedOpDeclaration>(decl: D, inputs: Record<string, tf.TensorInfo>): Record<string, number[]> {
  const first = inputs[decl.inputs[0]].shape;
  const shapes: Record<string, number[]> = {};
  for (const name of [...decl.inputs, ...decl.outputs]) shapes[name] = declaredShape(decl, name, first);
  for (const name of decl.inputs) {
    if (inputs[name].shape.join(',') !== shapes[name].join(',')) {
      throw new DescentError(`Descent${decl.name} on webgpu: input ${name} has shape [${inputs[name].shape}], expected [${shapes[name]}] for ${decl.inputs[0]} [${first}]`);
    }
  }
  return shapes;
}
