import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@descent/core';
import { be, flatProgram, LOAD_F16, packF16, type F16Kernel, type KernelArgs, type Program } from './program.js';
import { ROUND_WGSL } from './round-wgsl.js';
import { epilogueWGSL, fusedEpilogue, type MatMulEpilogue } from './epilogue.js';

/**
 * The f16 matmul's shape: 'tiled' stages 16x16 f16 tiles in workgroup memory
 * (for GPUs); 'simple' computes one output per invocation with no barriers,
 * several times faster on CPU drivers (lavapipe, SwiftShader).
 */
export type MatMulVariant = 'tiled' | 'simple';

function f16MatMul({ inputs, attrs, backend }: KernelArgs, epilogue: MatMulEpilogue | null, variant: MatMulVariant): tf.TensorInfo | null {
  const b = be(backend);
  const { a, b: bIn } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const transposeA = Boolean(attrs.transposeA);
  const transposeB = Boolean(attrs.transposeB);
  const aRank = a.shape.length;
  const bRank = bIn.shape.length;
  const [aR, aC] = a.shape.slice(-2);
  const [bR, bC] = bIn.shape.slice(-2);
  const M = transposeA ? aC : aR;
  const K = transposeA ? aR : aC;
  const N = transposeB ? bR : bC;
  const K2 = transposeB ? bC : bR;
  if (K !== K2) throw new InvalidArgumentError('b', bIn.shape, `Error in matMul: inner shapes (${K}) and (${K2}) of Tensors with shapes ${a.shape} and ${bIn.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
  const aBatch = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const bBatch = tf.util.sizeFromShape(bIn.shape.slice(0, -2));
  const batch = Math.max(aBatch, bBatch);
  const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), bIn.shape.slice(0, -2)), M, N];
  if (aRank < 2 || bRank < 2 || (aBatch !== batch && aBatch !== 1) || (bBatch !== batch && bBatch !== 1)) return null;
  const a16 = packF16(b, a);
  const b16 = packF16(b, bIn);
  const extra: tf.TensorInfo[] = [];
  if (epilogue && epilogue.bias !== 'none') extra.push(packF16(b, inputs.bias as tf.TensorInfo));
  if (epilogue && epilogue.prelu !== 'none') extra.push(packF16(b, inputs.preluActivationWeights as tf.TensorInfo));
  const variableNames = ['A', 'B', ...(epilogue && epilogue.bias !== 'none' ? ['Bias'] : []), ...(epilogue && epilogue.prelu !== 'none' ? ['Prelu'] : [])];
  const fusedKey = epilogue ? `_fused_${epilogue.bias}_${epilogue.prelu}_${epilogue.activation}` : '';
  const size = batch * M * N;
  const program = variant === 'tiled' ? tiledMatMulProgram() : naiveMatMulProgram();
  function naiveMatMulProgram(): Program {
    return flatProgram(
      outShape,
      size,
      `descent_amp_f16_matmul_${transposeA}_${transposeB}_${aBatch === 1}_${bBatch === 1}${fusedKey}`,
      variableNames,
      `enable f16;
      ${ROUND_WGSL}
      ${LOAD_F16('A')}
      ${LOAD_F16('B')}
      ${epilogueWGSL(epilogue)}
      fn main(index: i32) {
        if (index >= uniforms.size) { return; }
        let M = uniforms.M; let N = uniforms.N; let K = uniforms.K;
        let bt = index / (M * N);
        let r = (index / N) % M;
        let c = index % N;
        let aBase = ${aBatch === 1 ? '0' : 'bt * M * K'};
        let bBase = ${bBatch === 1 ? '0' : 'bt * K * N'};
        var acc = 0.0;
        for (var k = 0; k < K; k = k + 1) {
          let av = load_A(aBase + ${transposeA ? 'k * M + r' : 'r * K + k'});
          let bv = load_B(bBase + ${transposeB ? 'c * K + k' : 'k * N + c'});
          // f16 x f16 is exact in f32: the tensor-core product, accumulated in f32.
          acc = acc + f32(av) * f32(bv);
        }
        result[index] = bitcast<f32>(amp_f16_bits_as_f32(bitcast<u32>(amp_epilogue(acc, c))));
      }`,
      'size : i32, M : i32, N : i32, K : i32, alpha : f32,',
    );
  }
  function tiledMatMulProgram(): Program {
    const T = 16;
    // 16x16 output tiles; each K-step stages a tile of A and of B in workgroup memory as f16.
    return {
      outputShape: outShape,
      shaderKey: `descent_amp_f16_matmul_tiled_${transposeA}_${transposeB}_${aBatch === 1}_${bBatch === 1}${fusedKey}`,
      // Not a flat layout, so tfjs calls main() and the shader uses workgroup/local ids.
      dispatchLayout: { x: [outShape.length - 1], y: [outShape.length - 2], z: outShape.slice(0, -2).map((_, i) => i) },
      dispatch: [Math.ceil(N / T), Math.ceil(M / T), batch],
      variableNames,
      workgroupSize: [T, T, 1],
      uniforms: 'size : i32, M : i32, N : i32, K : i32, alpha : f32,',
      getUserCode: () => `enable f16;
      ${ROUND_WGSL}
      ${LOAD_F16('A')}
      ${LOAD_F16('B')}
      ${epilogueWGSL(epilogue)}
      var<workgroup> tileA: array<f16, ${T * T}>;
      var<workgroup> tileB: array<f16, ${T * T}>;
      fn main() {
        let M = uniforms.M; let N = uniforms.N; let K = uniforms.K;
        let lx = i32(localId.x); let ly = i32(localId.y);
        let col = i32(workgroupId.x) * ${T} + lx;
        let row = i32(workgroupId.y) * ${T} + ly;
        let bt = i32(workgroupId.z);
        let aBase = ${aBatch === 1 ? '0' : 'bt * M * K'};
        let bBase = ${bBatch === 1 ? '0' : 'bt * K * N'};
        var acc = 0.0;
        let tiles = (K + ${T - 1}) / ${T};
        for (var t = 0; t < tiles; t = t + 1) {
          let ka = t * ${T} + lx;
          var av = f16(0.0);
          if (row < M && ka < K) { av = load_A(aBase + ${transposeA ? 'ka * M + row' : 'row * K + ka'}); }
          tileA[ly * ${T} + lx] = av;
          let kb = t * ${T} + ly;
          var bv = f16(0.0);
          if (kb < K && col < N) { bv = load_B(bBase + ${transposeB ? 'col * K + kb' : 'kb * N + col'}); }
          tileB[ly * ${T} + lx] = bv;
          workgroupBarrier();
          for (var k = 0; k < ${T}; k = k + 1) {
            // f16 x f16 is exact in f32: the tensor-core product, accumulated in f32.
            acc = acc + f32(tileA[ly * ${T} + k]) * f32(tileB[k * ${T} + lx]);
          }
          workgroupBarrier();
        }
        if (row < M && col < N) {
          result[(bt * M + row) * N + col] = bitcast<f32>(amp_f16_bits_as_f32(bitcast<u32>(amp_epilogue(acc, col))));
        }
      }`,
    };
  }
  const flat = b.runWebGPUProgram(program, [a16, b16, ...extra], 'float32', [
    { type: 'int32', data: [size] },
    { type: 'int32', data: [M] },
    { type: 'int32', data: [N] },
    { type: 'int32', data: [K] },
    { type: 'float32', data: [Math.fround(epilogue?.alpha ?? 0)] },
  ]);
  for (const t of [a16, b16, ...extra]) b.disposeData(t.dataId);
  return flat;
}

/** BatchMatMul in f16 storage with f32 accumulation; output on the f16 grid. */
export function f16BatchMatMul(variant: MatMulVariant): F16Kernel {
  return (args) => f16MatMul(args, null, variant);
}

/**
 * `_FusedMatMul` as the emulated path computes it: a, b, bias and prelu weights on the
 * f16 grid, the product accumulated in f32, bias and activation in f32, then one
 * rounding of the result to the f16 grid. Declines an epilogue it cannot express.
 */
export function f16FusedMatMul(variant: MatMulVariant): F16Kernel {
  return (args) => {
    const b = args.inputs.b as tf.TensorInfo;
    const N = b.shape[b.shape.length - (args.attrs.transposeB ? 2 : 1)];
    const e = fusedEpilogue(args, N);
    return e ? f16MatMul(args, e, variant) : null;
  };
}
