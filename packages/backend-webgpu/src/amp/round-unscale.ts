import * as tf from '@tensorflow/tfjs-core';
import { fusedOps, type FusedKernelFunc } from '@descent/core';
import { be, flatProgram, WG, type Program } from './program.js';
import { ROUND_WGSL } from './round-wgsl.js';

const AmpRoundHalf = fusedOps.AmpRoundHalf;
const AmpUnscale = fusedOps.AmpUnscale;

/** `AmpRoundHalf` on webgpu. */
export const webgpuRoundKernel: FusedKernelFunc<'x', 'y', typeof AmpRoundHalf.attrs> = ({ inputs, attrs, backend }) => {
  const x = inputs.x;
  const size = tf.util.sizeFromShape(x.shape);
  const fn = attrs.bfloat16 ? 'amp_bf16_bits_as_f32' : 'amp_f16_bits_as_f32';
  const program = flatProgram(
    x.shape,
    size,
    `descent_amp_round_${attrs.bfloat16 ? 'bf16' : 'f16'}`,
    ['X'],
    `${ROUND_WGSL}
    fn main(index: i32) {
      if (index < uniforms.n) { result[index] = bitcast<f32>(${fn}(bitcast<u32>(X[index]))); }
    }`,
    'n : i32,',
  );
  return { y: be(backend).runWebGPUProgram(program, [x], 'float32', [{ type: 'int32', data: [size] }]) };
};

/**
 * `AmpUnscale` on webgpu: tfjs programs bind one output, so two dispatches: the
 * elementwise multiply, and one workgroup that ORs the non-finite test over the tensor.
 */
export const webgpuUnscaleKernel: FusedKernelFunc<'grad', 'unscaled' | 'nonFinite', typeof AmpUnscale.attrs> = ({ inputs, attrs, backend }) => {
  const g = inputs.grad;
  const size = tf.util.sizeFromShape(g.shape);
  const mul = flatProgram(
    g.shape,
    size,
    'descent_amp_unscale',
    ['G'],
    `fn main(index: i32) {
      if (index < uniforms.n) { result[index] = G[index] * uniforms.invScale; }
    }`,
    'n : i32, invScale : f32,',
  );
  const unscaled = be(backend).runWebGPUProgram(mul, [g], 'float32', [
    { type: 'int32', data: [size] },
    { type: 'float32', data: [Math.fround(attrs.invScale)] },
  ]);
  const check: Program = {
    ...flatProgram([1], 1, 'descent_amp_nonfinite', ['G'], '', 'n : i32,'),
    dispatch: [1, 1, 1],
    getUserCode: () => `
    var<workgroup> amp_found: atomic<u32>;
    fn main(index: i32) {
      if (localIndex == 0u) { atomicStore(&amp_found, 0u); }
      workgroupBarrier();
      var f = 0u;
      for (var i = i32(localIndex); i < uniforms.n; i = i + ${WG}) {
        // ±Inf and NaN are exactly the values with an all-ones exponent.
        if ((bitcast<u32>(G[i]) & 0x7f800000u) == 0x7f800000u) { f = 1u; }
      }
      if (f == 1u) { atomicOr(&amp_found, 1u); }
      workgroupBarrier();
      if (localIndex == 0u) { result[0] = f32(atomicLoad(&amp_found)); }
    }`,
  };
  const flag = be(backend).runWebGPUProgram(check, [g], 'float32', [{ type: 'int32', data: [size] }]);
  // A scalar, like the fallback's: same buffer, shape [] (what tfjs's reshape does).
  return { unscaled, nonFinite: { ...flag, shape: [] } };
};
