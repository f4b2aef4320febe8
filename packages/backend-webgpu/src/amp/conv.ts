import * as tf from '@tensorflow/tfjs-core';
import { be, flatProgram, LOAD_F16, packF16, type F16Kernel, type KernelArgs } from './program.js';
import { ROUND_WGSL } from './round-wgsl.js';
import { epilogueWGSL, fusedEpilogue, type MatMulEpilogue } from './epilogue.js';

/**
 * The NHWC conv geometry all three conv kernels read: tfjs's Conv2DInfo for the
 * shapes and attrs, and its numbers as a list for shader keys. tfjs's backprop
 * kernels take no dilations: theirs is always 1.
 */
function geometry(xShape: number[], filterShape: number[], attrs: tf.NamedAttrMap, dilations: number | [number, number] = 1) {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as [number, number],
    dilations,
    attrs.pad as 'same',
    attrs.dimRoundingMode as 'floor',
    false,
    'channelsLast',
  );
  const numbers = [info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.outChannels, info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left];
  return { info, numbers };
}

/**
 * Conv2D (NHWC) in f16 storage with f32 accumulation; output on the f16 grid. With an
 * epilogue, FusedConv2D: bias and activation in f32 per output channel, then the rounding.
 */
function f16Conv2DWith({ inputs, attrs, backend }: KernelArgs, epilogue: MatMulEpilogue | null): tf.TensorInfo | null {
  const b = be(backend);
  const { x, filter } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') return null;
  const { info, numbers: c } = geometry(x.shape, filter.shape, attrs, attrs.dilations as [number, number]);
  const x16 = packF16(b, x);
  const w16 = packF16(b, filter);
  const extra: tf.TensorInfo[] = [];
  if (epilogue && epilogue.bias !== 'none') extra.push(packF16(b, inputs.bias as tf.TensorInfo));
  if (epilogue && epilogue.prelu !== 'none') extra.push(packF16(b, inputs.preluActivationWeights as tf.TensorInfo));
  const size = tf.util.sizeFromShape(info.outShape);
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
export const f16Conv2DBackpropInput: F16Kernel = ({ inputs, attrs, backend }) => {
  const b = be(backend);
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') return null;
  const { info, numbers: c } = geometry(attrs.inputShape as number[], filter.shape, attrs);
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
};

/**
 * Conv2DBackpropFilter (NHWC) in f16 storage with f32 accumulation: dw[fy,fx,c,oc] = sum
 * of x[b,iy,ix,c] * dy[b,oy,ox,oc] over batch and output positions; output on the f16 grid.
 */
export const f16Conv2DBackpropFilter: F16Kernel = ({ inputs, attrs, backend }) => {
  const b = be(backend);
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') return null;
  const { info, numbers } = geometry(x.shape, attrs.filterShape as number[], attrs);
  const c = [info.batchSize, ...numbers];
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
};

/** Conv2D (NHWC) in f16 storage with f32 accumulation; output on the f16 grid. Declines NCHW. */
export const f16Conv2D: F16Kernel = (args) => f16Conv2DWith(args, null);

/** FusedConv2D (tfjs-layers conv layers, conv2d with bias/activation) as the emulated path computes it. */
export const f16FusedConv2D: F16Kernel = (args) => {
  const e = fusedEpilogue(args, (args.inputs.filter as tf.TensorInfo).shape[3]);
  return e ? f16Conv2DWith(args, e) : null;
};
