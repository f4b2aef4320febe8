import * as tf from '@tensorflow/tfjs-core';
import { LOAD_F16, type KernelArgs } from './program.js';

// The f32 work of tfjs's fused kernels (_FusedMatMul, FusedConv2D) after the
// sum, in the native f16 kernels: the bias, then the activation.

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
export interface MatMulEpilogue {
  bias: 'col' | 'one' | 'none';
  prelu: 'col' | 'one' | 'none';
  activation: string | null;
  alpha: number;
}


/** The epilogue of a fused kernel with N output columns (channels), or null to decline. */
export function fusedEpilogue({ inputs, attrs }: KernelArgs, N: number): MatMulEpilogue | null {
  const { bias, preluActivationWeights } = inputs as Record<string, tf.TensorInfo | undefined>;
  const activation = (attrs.activation as string | null | undefined) ?? null;
  const biasKind = columnOperand(bias ?? undefined, N);
  const preluKind = columnOperand(preluActivationWeights ?? undefined, N);
  if (biasKind === null || preluKind === null || (activation !== null && !(activation in ACTIVATIONS))) return null;
  if (activation === 'prelu' && preluKind === 'none') return null;
  return { bias: biasKind, prelu: activation === 'prelu' ? preluKind : 'none', activation, alpha: Number(attrs.leakyreluAlpha ?? 0.2) };
}

export function epilogueWGSL(e: MatMulEpilogue | null): string {
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
