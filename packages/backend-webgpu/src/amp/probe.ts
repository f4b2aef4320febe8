import * as tf from '@tensorflow/tfjs-core';
import { f16BatchMatMul } from './matmul.js';

/**
 * Whether the device really computes in f16: a 1×1 matmul of 1 + 2⁻¹² (which
 * rounds to 1 on the f16 grid) by 1 through the native f16 kernel must give
 * exactly 1. A driver that offers `shader-f16` but evaluates f16 as f32 (Deno's
 * wgpu on lavapipe did: autocast's float16 runs went NaN) gives 1 + 2⁻¹²; the
 * adapter then keeps autocast on the emulation.
 */
export async function nativeF16Rounds(): Promise<boolean> {
  const backend = tf.findBackend('webgpu');
  if (!backend) return false;
  const a = tf.tensor3d([[[1 + 2 ** -12]]]);
  const b = tf.tensor3d([[[1]]]);
  try {
    const info = f16BatchMatMul('simple')({ inputs: { a, b }, attrs: { transposeA: false, transposeB: false }, backend });
    if (!info) return false;
    const out = tf.engine().makeTensorFromTensorInfo(info, backend);
    const [value] = await out.data();
    out.dispose();
    return value === 1;
  } catch {
    return false;
  } finally {
    tf.dispose([a, b]);
  }
}
