/**
 * @descent/amp/webgpu: amp's kernels for tfjs's `webgpu` backend.
 *
 * - `AmpRoundHalf` and `AmpUnscale` as WGSL programs (bit-exact integer rounding rules).
 * - Under autocast, with `shader-f16`: BatchMatMul, _FusedMatMul (Dense), Conv2D and its
 *   backprop kernels (gradients, conv2dTranspose) run in f16 WGSL kernels: the operands are converted once to packed f16 storage (two
 *   halves per 32-bit word, half the memory of f32), read back as `vec2<f16>`, multiplied
 *   and accumulated in f32 as tensor cores do, and the result rounded to the f16 grid.
 *   Other autocast ops use the emulation (round, float32 kernel, round) on the GPU.
 *
 * GradScaler and autocast register these by themselves when the active backend is
 * webgpu; call `registerWebGPUAmpKernels({ nativeHalf: false })` to turn the native
 * f16 kernels off (or on again with no argument).
 */
import * as tf from '@tensorflow/tfjs-core';
import { activeAdapter, registerFusedKernel, type FusedKernelArgs } from '@descent/core';
import { registerNativeHalfKernel, unregisterNativeHalfKernel } from './native-half.js';

/** The parts of tfjs-backend-webgpu's WebGPUBackend used here. */
interface WebGPUBackend extends tf.KernelBackend {
  device: GPUDeviceLike;
  runWebGPUProgram(program: Program, inputs: tf.TensorInfo[], outputDtype: tf.DataType, uniforms?: { type: string; data: number[] }[], output?: tf.TensorInfo): tf.TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}
interface GPUDeviceLike {
  features: { has(name: string): boolean };
  createShaderModule(desc: { code: string; label?: string }): unknown;
}
interface Program {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y?: number[]; z?: number[] };
  dispatch: [number, number, number];
  variableNames: string[];
  workgroupSize: [number, number, number];
  size?: boolean;
  uniforms?: string;
  getUserCode(): string;
}

const WG = 256;

function flatProgram(outputShape: number[], size: number, shaderKey: string, variableNames: string[], body: string, uniforms?: string): Program {
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

// Integer rounding rules of KERNELS.md; u32 arithmetic wraps like the JS reference.
const ROUND_WGSL = /* wgsl */ `
fn amp_f16_bits_as_f32(b: u32) -> u32 {
  let a = b & 0x7fffffffu;
  let s = b & 0x80000000u;
  if (a >= 0x38800000u && a < 0x477ff000u) { return (b + 0xfffu + ((b >> 13u) & 1u)) & 0xffffe000u; }
  if (a >= 0x477ff000u) {
    if (a > 0x7f800000u) { return s | 0x7fc00000u; }
    return s | 0x7f800000u;
  }
  let k = 126u - (a >> 23u);
  if (k > 24u) { return s; }
  let m = (a & 0x7fffffu) | 0x800000u;
  var q = m >> k;
  let rem = m & ((1u << k) - 1u);
  let half = 1u << (k - 1u);
  if (rem > half || (rem == half && (q & 1u) == 1u)) { q = q + 1u; }
  return s | bitcast<u32>(ldexp(f32(q), -24));
}
fn amp_bf16_bits_as_f32(b: u32) -> u32 {
  if ((b & 0x7fffffffu) > 0x7f800000u) { return 0xffff0000u; }
  return (b + 0x7fffu + ((b >> 16u) & 1u)) & 0xffff0000u;
}
// float32 bits -> float16 bits (of the rounded value).
fn amp_f16_bits(b: u32) -> u32 {
  let r = amp_f16_bits_as_f32(b);
  let s = (r >> 16u) & 0x8000u;
  let a = r & 0x7fffffffu;
  if (a > 0x7f800000u) { return s | 0x7e00u; }
  if (a == 0x7f800000u) { return s | 0x7c00u; }
  if (a >= 0x38800000u) { return s | ((((a >> 23u) - 112u) << 10u) | ((a >> 13u) & 0x3ffu)); }
  return s | u32(ldexp(bitcast<f32>(a), 24));
}
`;

function be(backend: tf.KernelBackend): WebGPUBackend {
  return backend as WebGPUBackend;
}

/** `AmpRoundHalf` on webgpu. */
export function webgpuRoundKernel({ inputs, attrs, backend }: FusedKernelArgs<'x'>): tf.TensorInfo[] {
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
  return [be(backend).runWebGPUProgram(program, [x], 'float32', [{ type: 'int32', data: [size] }])];
}

/**
 * `AmpUnscale` on webgpu: tfjs programs bind one output, so two dispatches: the
 * elementwise multiply, and one workgroup that ORs the non-finite test over the tensor.
 */
export function webgpuUnscaleKernel({ inputs, attrs, backend }: FusedKernelArgs<'grad'>): tf.TensorInfo[] {
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
    { type: 'float32', data: [Math.fround(attrs.invScale as number)] },
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
  return [unscaled, { ...flag, shape: [] }];
}

// ------------------------------------------------------------------ native f16

/** `enable f16;` must open a WGSL module, but tfjs puts its own declarations first: move it up. */
function hoistEnableF16(device: GPUDeviceLike): void {
  const marked = device as GPUDeviceLike & { __descentHoistF16?: boolean };
  if (marked.__descentHoistF16) return;
  const create = device.createShaderModule.bind(device);
  marked.createShaderModule = (desc) =>
    create(desc.code.includes('enable f16;') ? { ...desc, code: `enable f16;\n${desc.code.replace(/enable f16;/g, '')}` } : desc);
  marked.__descentHoistF16 = true;
}

/** float32 tensor -> packed float16 storage: an int32 tensor of ceil(n/2) words, two halves each. */
function packF16(backend: WebGPUBackend, x: tf.TensorInfo): tf.TensorInfo {
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
const LOAD_F16 = (name: string) => /* wgsl */ `
fn load_${name}(i: i32) -> f16 {
  let pair = bitcast<vec2<f16>>(${name}[i >> 1u]);
  if ((i & 1) == 1) { return pair.y; }
  return pair.x;
}`;

type KernelArgs = { inputs: tf.NamedTensorInfoMap; attrs: tf.NamedAttrMap; backend: tf.KernelBackend };

// tfjs-backend-webgpu's activation snippets (activation_util, unary/binary_op_util), so
// the f32 epilogue computes exactly what the emulated path's float32 kernel does.
const ACTIVATIONS: Record<string, string> = {
  linear: 'return a;',
  relu: 'return select(a, 0.0, a < 0.0);',
  relu6: 'return clamp(a, 0.0, 6.0);',
  leakyrelu: 'if (a < 0.0) { return uniforms.alpha * a; } return a;',
  prelu: 'if (a < 0.0) { return b * a; }  return a;',
  sigmoid: 'return 1.0 / (1.0 + exp(-1.0 * a));',
  elu: 'if (a >= 0.0) { return a; }  return (exp(a) - 1.0);',
};

/**
 * How a per-column (per-channel) operand of a fused kernel (bias, prelu weights) is read: 'col' when it
 * holds one value per output column (shape [..., N] with ones before), 'one' for a single
 * value; null (decline) for other broadcasts.
 */
function columnOperand(t: tf.TensorInfo | undefined, N: number): 'col' | 'one' | 'none' | null {
  if (!t) return 'none';
  const size = tf.util.sizeFromShape(t.shape);
  if (size === 1) return 'one';
  if (size === N && t.shape[t.shape.length - 1] === N) return 'col';
  return null;
}

/** The f32 work a fused kernel (`_FusedMatMul`, `FusedConv2D`) does after the sum: add the bias, then the activation. */
interface MatMulEpilogue {
  bias: 'col' | 'one' | 'none';
  prelu: 'col' | 'one' | 'none';
  activation: string | null;
  alpha: number;
}

/** BatchMatMul in f16 storage with f32 accumulation; output on the f16 grid. */
function f16BatchMatMul(args: KernelArgs): tf.TensorInfo {
  return f16MatMul(args, null);
}

/**
 * `_FusedMatMul` as the emulated path computes it: a, b, bias and prelu weights on the
 * f16 grid, the product accumulated in f32, bias and activation in f32, then one
 * rounding of the result to the f16 grid.
 */
function f16FusedMatMul(args: KernelArgs): tf.TensorInfo {
  const b = args.inputs.b as tf.TensorInfo;
  const N = b.shape[b.shape.length - (args.attrs.transposeB ? 2 : 1)];
  const e = fusedEpilogue(args, N);
  return e ? f16MatMul(args, e) : (null as never);
}

/** The epilogue of a fused kernel with N output columns (channels), or null to decline. */
function fusedEpilogue({ inputs, attrs }: KernelArgs, N: number): MatMulEpilogue | null {
  const { bias, preluActivationWeights } = inputs as Record<string, tf.TensorInfo | undefined>;
  const activation = (attrs.activation as string | null | undefined) ?? null;
  const biasKind = columnOperand(bias ?? undefined, N);
  const preluKind = columnOperand(preluActivationWeights ?? undefined, N);
  if (biasKind === null || preluKind === null || (activation !== null && !(activation in ACTIVATIONS))) return null;
  if (activation === 'prelu' && preluKind === 'none') return null;
  return { bias: biasKind, prelu: activation === 'prelu' ? preluKind : 'none', activation, alpha: Number(attrs.leakyreluAlpha ?? 0.2) };
}

function epilogueWGSL(e: MatMulEpilogue | null): string {
  if (!e) return 'fn amp_epilogue(v: f32, c: i32) -> f32 { return v; }';
  const at = (kind: string, name: string) => (kind === 'col' ? `f32(load_${name}(c))` : `f32(load_${name}(0))`);
  return `
  ${e.bias !== 'none' ? LOAD_F16('Bias') : ''}
  ${e.prelu !== 'none' ? LOAD_F16('Prelu') : ''}
  ${e.activation ? `fn amp_activation(a: f32, c: i32) -> f32 { ${e.prelu !== 'none' ? `let b = ${at(e.prelu, 'Prelu')};` : ''} ${ACTIVATIONS[e.activation]} }` : ''}
  fn amp_epilogue(v: f32, c: i32) -> f32 {
    var value = v;
    ${e.bias !== 'none' ? `value = value + ${at(e.bias, 'Bias')};` : ''}
    ${e.activation ? 'value = amp_activation(value, c);' : ''}
    return value;
  }`;
}

function f16MatMul({ inputs, attrs, backend }: KernelArgs, epilogue: MatMulEpilogue | null): tf.TensorInfo {
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
  if (K !== K2) throw new Error(`Error in matMul: inner shapes (${K}) and (${K2}) of Tensors with shapes ${a.shape} and ${bIn.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
  const aBatch = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const bBatch = tf.util.sizeFromShape(bIn.shape.slice(0, -2));
  const batch = Math.max(aBatch, bBatch);
  const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), bIn.shape.slice(0, -2)), M, N];
  if (aRank < 2 || bRank < 2 || (aBatch !== batch && aBatch !== 1) || (bBatch !== batch && bBatch !== 1)) return null as never;
  const a16 = packF16(b, a);
  const b16 = packF16(b, bIn);
  const extra: tf.TensorInfo[] = [];
  if (epilogue && epilogue.bias !== 'none') extra.push(packF16(b, inputs.bias as tf.TensorInfo));
  if (epilogue && epilogue.prelu !== 'none') extra.push(packF16(b, inputs.preluActivationWeights as tf.TensorInfo));
  const variableNames = ['A', 'B', ...(epilogue && epilogue.bias !== 'none' ? ['Bias'] : []), ...(epilogue && epilogue.prelu !== 'none' ? ['Prelu'] : [])];
  const fusedKey = epilogue ? `_fused_${epilogue.bias}_${epilogue.prelu}_${epilogue.activation}` : '';
  const size = batch * M * N;
  const program = matmulTiled ? tiledMatMulProgram() : naiveMatMulProgram();
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

/**
 * Conv2D (NHWC) in f16 storage with f32 accumulation; output on the f16 grid. With an
 * epilogue, FusedConv2D: bias and activation in f32 per output channel, then the rounding.
 */
function f16Conv2D({ inputs, attrs, backend }: KernelArgs, epilogue: MatMulEpilogue | null = null): tf.TensorInfo {
  const b = be(backend);
  const { x, filter } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') return null as never;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides as [number, number],
    attrs.dilations as [number, number],
    attrs.pad as 'same',
    attrs.dimRoundingMode as 'floor',
    false,
    'channelsLast',
  );
  const x16 = packF16(b, x);
  const w16 = packF16(b, filter);
  const extra: tf.TensorInfo[] = [];
  if (epilogue && epilogue.bias !== 'none') extra.push(packF16(b, inputs.bias as tf.TensorInfo));
  if (epilogue && epilogue.prelu !== 'none') extra.push(packF16(b, inputs.preluActivationWeights as tf.TensorInfo));
  const size = tf.util.sizeFromShape(info.outShape);
  const c = [info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.outChannels, info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left];
  const [H, W, C, OH, OW, OC, FH, FW, SH, SW, DH, DW, PT, PL] = c;
  const program = flatProgram(
    info.outShape,
    size,
    `descent_amp_f16_conv2d_${epilogue ? `fused_${epilogue.bias}_${epilogue.prelu}_${epilogue.activation}_` : ''}${c.join('_')}`,
    ['X', 'F', ...(epilogue && epilogue.bias !== 'none' ? ['Bias'] : []), ...(epilogue && epilogue.prelu !== 'none' ? ['Prelu'] : [])],
    `enable f16;
    ${ROUND_WGSL}
    ${LOAD_F16('X')}
    ${LOAD_F16('F')}
    ${epilogueWGSL(epilogue)}
    fn main(index: i32) {
      if (index >= uniforms.size) { return; }
      let oc = index % ${OC};
      let ox = (index / ${OC}) % ${OW};
      let oy = (index / ${OC * OW}) % ${OH};
      let bt = index / ${OC * OW * OH};
      var acc = 0.0;
      for (var fy = 0; fy < ${FH}; fy = fy + 1) {
        let iy = oy * ${SH} - ${PT} + fy * ${DH};
        if (iy < 0 || iy >= ${H}) { continue; }
        for (var fx = 0; fx < ${FW}; fx = fx + 1) {
          let ix = ox * ${SW} - ${PL} + fx * ${DW};
          if (ix < 0 || ix >= ${W}) { continue; }
          let xBase = ((bt * ${H} + iy) * ${W} + ix) * ${C};
          let fBase = (fy * ${FW} + fx) * ${C * OC} + oc;
          for (var ic = 0; ic < ${C}; ic = ic + 1) {
            acc = acc + f32(load_X(xBase + ic)) * f32(load_F(fBase + ic * ${OC}));
          }
        }
      }
      result[index] = bitcast<f32>(amp_f16_bits_as_f32(bitcast<u32>(amp_epilogue(acc, oc))));
    }`,
    'size : i32, alpha : f32,',
  );
  const flat = b.runWebGPUProgram(program, [x16, w16, ...extra], 'float32', [
    { type: 'int32', data: [size] },
    { type: 'float32', data: [Math.fround(epilogue?.alpha ?? 0)] },
  ]);
  for (const t of [x16, w16, ...extra]) b.disposeData(t.dataId);
  return flat;
}

function convInfo(xShape: number[], filterShape: number[], attrs: tf.NamedAttrMap) {
  // tfjs's backprop kernels take no dilations: theirs is always 1.
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as [number, number],
    1,
    attrs.pad as 'same',
    attrs.dimRoundingMode as 'floor',
    false,
    'channelsLast',
  );
}

/**
 * Conv2DBackpropInput (NHWC; also conv2dTranspose's forward) in f16 storage with f32
 * accumulation: dx[b,y,x,c] = sum of dy[b,oy,ox,oc] * w[fy,fx,c,oc] over the taps that
 * read (y, x); output on the f16 grid.
 *
 * The sum runs in the order of tfjs-webgpu's float32 program (Conv2DDerInputProgram, which
 * the emulated path runs): taps from the last filter row and column to the first, and
 * within a tap the output channels in order, one by one, or, when both channel counts are
 * multiples of 4 (tfjs's vec4 variant), as `dot` of 4 channels at a time. f16 products are
 * exact in f32, so the same order gives the same f32 sum and the same rounding; another
 * order moves a sum that lies near an f16 rounding midpoint to the other side of it.
 */
function f16Conv2DBackpropInput({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo {
  const b = be(backend);
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') return null as never;
  const info = convInfo(attrs.inputShape as number[], filter.shape, attrs);
  const c = [info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.outChannels, info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left];
  const [H, W, C, OH, OW, OC, FH, FW, SH, SW, DH, DW, PT, PL] = c;
  const vec4 = C % 4 === 0 && OC % 4 === 0;
  const dy16 = packF16(b, dy);
  const w16 = packF16(b, filter);
  const size = tf.util.sizeFromShape(info.inShape);
  const program = flatProgram(
    info.inShape,
    size,
    `descent_amp_f16_conv2d_dx_${c.join('_')}`,
    ['DY', 'F'],
    `enable f16;
    ${ROUND_WGSL}
    ${LOAD_F16('DY')}
    ${LOAD_F16('F')}
    fn main(index: i32) {
      if (index >= uniforms.size) { return; }
      let ic = index % ${C};
      let x = (index / ${C}) % ${W};
      let y = (index / ${C * W}) % ${H};
      let bt = index / ${C * W * H};
      var acc = 0.0;
      for (var fy = ${FH - 1}; fy >= 0; fy = fy - 1) {
        let ty = y + ${PT} - fy * ${DH};
        if (ty < 0 || ty % ${SH} != 0) { continue; }
        let oy = ty / ${SH};
        if (oy >= ${OH}) { continue; }
        for (var fx = ${FW - 1}; fx >= 0; fx = fx - 1) {
          let tx = x + ${PL} - fx * ${DW};
          if (tx < 0 || tx % ${SW} != 0) { continue; }
          let ox = tx / ${SW};
          if (ox >= ${OW}) { continue; }
          let dyBase = ((bt * ${OH} + oy) * ${OW} + ox) * ${OC};
          let fBase = ((fy * ${FW} + fx) * ${C} + ic) * ${OC};
          ${
            vec4
              ? `for (var oc = 0; oc < ${OC}; oc = oc + 4) {
            let d = vec4<f32>(f32(load_DY(dyBase + oc)), f32(load_DY(dyBase + oc + 1)), f32(load_DY(dyBase + oc + 2)), f32(load_DY(dyBase + oc + 3)));
            let w = vec4<f32>(f32(load_F(fBase + oc)), f32(load_F(fBase + oc + 1)), f32(load_F(fBase + oc + 2)), f32(load_F(fBase + oc + 3)));
            acc = acc + dot(d, w);
          }`
              : `for (var oc = 0; oc < ${OC}; oc = oc + 1) {
            acc = acc + f32(load_DY(dyBase + oc)) * f32(load_F(fBase + oc));
          }`
          }
        }
      }
      result[index] = bitcast<f32>(amp_f16_bits_as_f32(bitcast<u32>(acc)));
    }`,
    'size : i32,',
  );
  const flat = b.runWebGPUProgram(program, [dy16, w16], 'float32', [{ type: 'int32', data: [size] }]);
  b.disposeData(dy16.dataId);
  b.disposeData(w16.dataId);
  return flat;
}

/**
 * Conv2DBackpropFilter (NHWC) in f16 storage with f32 accumulation: dw[fy,fx,c,oc] = sum
 * of x[b,iy,ix,c] * dy[b,oy,ox,oc] over batch and output positions; output on the f16 grid.
 */
function f16Conv2DBackpropFilter({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo {
  const b = be(backend);
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') return null as never;
  const info = convInfo(x.shape, attrs.filterShape as number[], attrs);
  const c = [info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.outChannels, info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left];
  const [NB, H, W, C, OH, OW, OC, FH, FW, SH, SW, DH, DW, PT, PL] = c;
  const x16 = packF16(b, x);
  const dy16 = packF16(b, dy);
  const outShape = [FH, FW, C, OC];
  const size = FH * FW * C * OC;
  const program = flatProgram(
    outShape,
    size,
    `descent_amp_f16_conv2d_dw_${c.join('_')}`,
    ['X', 'DY'],
    `enable f16;
    ${ROUND_WGSL}
    ${LOAD_F16('X')}
    ${LOAD_F16('DY')}
    fn main(index: i32) {
      if (index >= uniforms.size) { return; }
      let oc = index % ${OC};
      let ic = (index / ${OC}) % ${C};
      let fx = (index / ${OC * C}) % ${FW};
      let fy = index / ${OC * C * FW};
      var acc = 0.0;
      for (var bt = 0; bt < ${NB}; bt = bt + 1) {
        for (var oy = 0; oy < ${OH}; oy = oy + 1) {
          let iy = oy * ${SH} - ${PT} + fy * ${DH};
          if (iy < 0 || iy >= ${H}) { continue; }
          for (var ox = 0; ox < ${OW}; ox = ox + 1) {
            let ix = ox * ${SW} - ${PL} + fx * ${DW};
            if (ix < 0 || ix >= ${W}) { continue; }
            acc = acc + f32(load_X(((bt * ${H} + iy) * ${W} + ix) * ${C} + ic)) * f32(load_DY(((bt * ${OH} + oy) * ${OW} + ox) * ${OC} + oc));
          }
        }
      }
      result[index] = bitcast<f32>(amp_f16_bits_as_f32(bitcast<u32>(acc)));
    }`,
    'size : i32,',
  );
  const flat = b.runWebGPUProgram(program, [x16, dy16], 'float32', [{ type: 'int32', data: [size] }]);
  b.disposeData(x16.dataId);
  b.disposeData(dy16.dataId);
  return flat;
}

/** FusedConv2D (tfjs-layers conv layers, conv2d with bias/activation) as the emulated path computes it. */
function f16FusedConv2D(args: KernelArgs): tf.TensorInfo {
  const e = fusedEpilogue(args, (args.inputs.filter as tf.TensorInfo).shape[3]);
  return e ? f16Conv2D(args, e) : (null as never);
}

/** The tfjs kernels with a native f16 WGSL kernel, and their kernels. */
const NATIVE_F16: Record<string, (args: KernelArgs) => tf.TensorInfo> = {
  BatchMatMul: f16BatchMatMul,
  _FusedMatMul: f16FusedMatMul,
  Conv2D: (args) => f16Conv2D(args),
  FusedConv2D: f16FusedConv2D,
  Conv2DBackpropInput: f16Conv2DBackpropInput,
  Conv2DBackpropFilter: f16Conv2DBackpropFilter,
};

/** The tfjs kernels that `registerWebGPUAmpKernels` runs natively in f16 (under autocast, float16, with `shader-f16`). */
export const WEBGPU_NATIVE_F16_KERNELS: readonly string[] = Object.keys(NATIVE_F16);

export interface WebGPUAmpOptions {
  /** Run autocast's matmuls and conv2d (forward and backprop) in f16 WGSL kernels when the device has `shader-f16`. Default true. */
  nativeHalf?: boolean;
  /**
   * The f16 matmul: 'tiled' stages 16x16 f16 tiles in workgroup memory (for GPUs);
   * 'simple' computes one output per invocation with no barriers, which is several
   * times faster on CPU drivers (lavapipe, SwiftShader). Default: 'simple' on a
   * software or fallback adapter, else 'tiled'.
   */
  matmul?: 'tiled' | 'simple';
}

let matmulTiled = true;

function isSoftwareAdapter(): boolean {
  const info = activeAdapter()?.capabilities.info ?? {};
  return info.isFallbackAdapter === true || /lavapipe|llvmpipe|swiftshader/i.test(`${info.driver ?? ''} ${info.description ?? ''} ${info.architecture ?? ''}`);
}

/**
 * Registers amp's webgpu kernels (the backend must be initialized, e.g. by
 * `useBackend('webgpu')`). Returns whether native f16 kernels are in use.
 */
export function registerWebGPUAmpKernels(options: WebGPUAmpOptions = {}): { nativeHalf: boolean; matmul: 'tiled' | 'simple' } {
  const backend = tf.findBackend('webgpu') as WebGPUBackend | null;
  if (!backend) throw new Error('registerWebGPUAmpKernels: the webgpu backend is not initialized (call useBackend("webgpu") first)');
  registerFusedKernel('AmpRoundHalf', 'webgpu', webgpuRoundKernel as never);
  registerFusedKernel('AmpUnscale', 'webgpu', webgpuUnscaleKernel as never);
  const nativeHalf = (options.nativeHalf ?? true) && backend.device.features.has('shader-f16');
  matmulTiled = (options.matmul ?? (isSoftwareAdapter() ? 'simple' : 'tiled')) === 'tiled';
  if (nativeHalf) {
    hoistEnableF16(backend.device);
    const wrap = (k: typeof f16BatchMatMul) => (dtype: 'float16' | 'bfloat16') =>
      dtype === 'float16'
        ? ((args: Parameters<tf.KernelFunc>[0]) => k(args as never) ?? null) as unknown as tf.KernelFunc
        : null;
    for (const [name, kernel] of Object.entries(NATIVE_F16)) registerNativeHalfKernel('webgpu', name, wrap(kernel));
  } else {
    for (const name of WEBGPU_NATIVE_F16_KERNELS) unregisterNativeHalfKernel('webgpu', name);
  }
  return { nativeHalf, matmul: matmulTiled ? 'tiled' : 'simple' };
}
