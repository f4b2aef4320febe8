// Compute pipelines of the optim kernels: explicit bind group layouts (outputs
// read-write, inputs read-only, then the uniforms), compiled once per device and
// shader variant.
import type { GpuBuffer, GpuDevice } from '../tfjs-webgpu.js';

// WebGPU's constants (GPUShaderStage.COMPUTE), spelled out so this module loads before Dawn installs the globals.
const COMPUTE = 0x4;

export interface ShaderSpec {
  /** Cache key: the op and every flag the source depends on. */
  key: string;
  code: string;
  outputs: number;
  inputs: number;
}

export interface Pipeline {
  pipeline: unknown;
  layout: unknown;
}

const cache = new WeakMap<GpuDevice, Map<string, Pipeline>>();

export function getPipeline(device: GpuDevice, spec: ShaderSpec): Pipeline {
  let byKey = cache.get(device);
  if (!byKey) cache.set(device, (byKey = new Map()));
  const hit = byKey.get(spec.key);
  if (hit) return hit;
  const entries = [];
  for (let i = 0; i < spec.outputs; i++) entries.push({ binding: i, visibility: COMPUTE, buffer: { type: 'storage' } });
  for (let i = 0; i < spec.inputs; i++) entries.push({ binding: spec.outputs + i, visibility: COMPUTE, buffer: { type: 'read-only-storage' } });
  entries.push({ binding: spec.outputs + spec.inputs, visibility: COMPUTE, buffer: { type: 'uniform' } });
  const layout = device.createBindGroupLayout({ label: spec.key, entries });
  const module = device.createShaderModule({ label: spec.key, code: spec.code });
  const pipeline = device.createComputePipeline({
    label: spec.key,
    layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
    compute: { module, entryPoint: 'main' },
  });
  const made = { pipeline, layout };
  byKey.set(spec.key, made);
  return made;
}

/** A bind group of `buffers` (outputs, then inputs) and the uniform binding, in layout order. */
export function makeBindGroup(device: GpuDevice, p: Pipeline, buffers: GpuBuffer[], uniforms: { offset: number; size: number; buffer: GpuBuffer }): unknown {
  const entries = buffers.map((buffer, binding) => ({ binding, resource: { buffer } }));
  entries.push({ binding: buffers.length, resource: uniforms });
  return device.createBindGroup({ layout: p.layout, entries });
}

/** Workgroup counts (x, y) covering `groups` workgroups within the per-dimension limit. */
export function grid(groups: number, maxPerDimension = 65535): [number, number] {
  if (groups <= maxPerDimension) return [Math.max(groups, 1), 1];
  const y = Math.ceil(groups / maxPerDimension);
  return [Math.ceil(groups / y), y];
}
