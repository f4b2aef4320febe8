import * as tf from '@tensorflow/tfjs-core';
import { ROUND_WGSL } from './round-wgsl.js';
import { checkBackend, type Program, type WebGPUBackendLike } from '../tfjs-webgpu.js';

// What amp's WGSL programs use of tfjs-backend-webgpu: its program runner,
// which binds the inputs and one output and compiles the user code once per shaderKey.

export type { Program } from '../tfjs-webgpu.js';
/** The backend as amp's kernels use it (declared once, checked at runtime, in ../tfjs-webgpu.ts). */
export type WebGPUBackend = WebGPUBackendLike;

/** What amp's kernels use of the device. */
export interface GPUDeviceLike {
  features: { has(name: string): boolean };
  createShaderModule(desc: { code: string; label?: string }): unknown;
}

export const WG = 256;

/** A program over a flat index (tfjs's `main(index)` form), on a 1-D or 2-D grid of 256-wide workgroups. */
export function flatProgram(outputShape: number[], size: number, shaderKey: string, variableNames: string[], body: string, uniforms?: string): Program {
  let x = Math.ceil(size / WG);
  let y = 1;
  // tfjs's getGlobalIndex() handles a 2-D grid of workgroups.
  if (x > 65535) {
    y = Math.ceil(Math.sqrt(x));
    x = Math.ceil(x / y);
  }
  return {
    outputShape,
    shaderKey,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [x, y, 1],
    variableNames,
    workgroupSize: [WG, 1, 1],
    uniforms,
    getUserCode: () => body,
  };
}

export function be(backend: tf.KernelBackend): WebGPUBackend {
  return checkBackend(backend);
}

/** float32 tensor -> packed float16 storage: an int32 tensor of ceil(n/2) words, two halves each. */
export function packF16(backend: WebGPUBackend, x: tf.TensorInfo): tf.TensorInfo {
  const n = tf.util.sizeFromShape(x.shape);
  const words = Math.ceil(n / 2);
  const program = flatProgram(
    [words],
    words,
    'descent_amp_pack_f16',
    ['X'],
    `${ROUND_WGSL}
    fn main(index: i32) {
      if (index < uniforms.words) {
        let i = 2 * index;
        let lo = amp_f16_bits(bitcast<u32>(X[i]));
        var hi = 0u;
        if (i + 1 < uniforms.n) { hi = amp_f16_bits(bitcast<u32>(X[i + 1])); }
        result[index] = bitcast<i32>(lo | (hi << 16u));
      }
    }`,
    'words : i32, n : i32,',
  );
  return backend.runWebGPUProgram(program, [x], 'int32', [
    { type: 'int32', data: [words] },
    { type: 'int32', data: [n] },
  ]);
}

// Reads element i of packed f16 storage `buf` as an f16.
export const LOAD_F16 = (name: string) => /* wgsl */ `
fn load_${name}(i: i32) -> f16 {
  let pair = bitcast<vec2<f16>>(${name}[i >> 1u]);
  if ((i & 1) == 1) { return pair.y; }
  return pair.x;
}`;

/** What tfjs passes to a kernel. */
export type KernelArgs = { inputs: tf.NamedTensorInfoMap; attrs: tf.NamedAttrMap; backend: tf.KernelBackend };

/**
 * A native f16 kernel: a result, or null to decline a case (a layout, a
 * broadcast, an activation it does not handle), which autocast's emulation then runs.
 */
export type F16Kernel = (args: KernelArgs) => tf.TensorInfo | null;
