// An AdamW run on a parameter large enough (3 × 32768 + 5 values) that the
// wasm adapter splits each step across its kernel threads, on fixed inputs.
// Shared by the cross-origin isolated page (wasm with threads) and Node (cpu).
import * as tf from '@tensorflow/tfjs-core';
import { AdamW } from '@descent/optim';

export const OPTIM_SIZE = 3 * 32768 + 5;
const STEPS = 3;

/** AdamW (weight decay 0.01) for three steps with fixed gradients; the parameter's values after them. */
export async function runOptimSteps(): Promise<number[]> {
  const init = tf.tensor1d(Float32Array.from({ length: OPTIM_SIZE }, (_, i) => Math.sin(i * 1.618)));
  const p = tf.variable(init, true, 'browser_optim_p');
  init.dispose(); // the variable keeps its own reference to the data
  const opt = new AdamW([p], { lr: 1e-2, weightDecay: 0.01 });
  for (let s = 0; s < STEPS; s++) {
    const g = tf.tensor1d(Float32Array.from({ length: OPTIM_SIZE }, (_, i) => Math.cos(i * 0.7 + s)));
    opt.step({ [p.name]: g });
    g.dispose();
  }
  const values = Array.from(await p.data());
  opt.dispose();
  p.dispose();
  return values;
}
