// The same checks on the wasm backend (@descent/backend-wasm), and GradScaler with @descent/optim's AdamW.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { Generator, useBackend } from '@descent/core';
import { assertKernelMatchesFallback, randomTensor } from '@descent/core/testing';
import { AdamW } from '@descent/optim';
import { GradScaler, ampRoundHalf, ampUnscale, autocast, roundToFloat16 } from '@descent/amp';

beforeAll(async () => {
  await useBackend('wasm');
});

const bits = (t: tf.Tensor) => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));

describe('on wasm', () => {
  it('runs on the wasm backend', () => {
    expect(tf.getBackend()).toBe('wasm');
  });

  it('the wasm AmpUnscale and AmpRoundHalf kernels equal their fallbacks', async () => {
    expect(ampUnscale.hasKernel('wasm')).toBe(true);
    await assertKernelMatchesFallback(ampUnscale, {
      runs: 20,
      rtol: 0,
      atol: 0,
      generate: (rng, run) => {
        const n = 1 + rng.randint(500);
        const data = new Float32Array(n).map(() => rng.normal() * 10 ** (rng.randint(10) - 5));
        if (run % 4 === 1) data[rng.randint(n)] = run % 8 === 1 ? NaN : -Infinity;
        return { inputs: { grad: tf.tensor(data) }, attrs: { invScale: [2 ** -16, 1 / 3, 1][run % 3] } };
      },
    });
    await assertKernelMatchesFallback(ampRoundHalf, {
      runs: 20,
      rtol: 0,
      atol: 0,
      generate: (rng, run) => ({
        inputs: { x: randomTensor(rng, [1 + rng.randint(300)], 10 ** (rng.randint(12) - 8)) },
        attrs: { bfloat16: run % 2 === 1 },
      }),
    });
  });

  it('autocast matMul and its gradient run in half on wasm', () => {
    const rng = new Generator(3);
    const a = randomTensor(rng, [16, 32]);
    const w = tf.variable(randomTensor(rng, [32, 8]), true, 'wasm_w');
    const half = (t: tf.Tensor) => tf.tensor(roundToFloat16(t.dataSync() as Float32Array), t.shape);
    const out = autocast(() => tf.matMul(a, w));
    expect(bits(out)).toEqual(bits(half(tf.matMul(half(a), half(w)))));
    const { grads } = autocast(() => tf.variableGrads(() => tf.sum(tf.matMul(a, w)) as tf.Scalar));
    const g = grads.wasm_w.dataSync() as Float32Array;
    expect(Array.from(g)).toEqual(Array.from(roundToFloat16(g)));
    w.dispose();
  });

  it('a tfjs-layers model runs unchanged under autocast on wasm, forward and backward', () => {
    const model = tfl.sequential({
      layers: [tfl.layers.dense({ inputShape: [12], units: 16, activation: 'relu' }), tfl.layers.dense({ units: 3 })],
    });
    const x = randomTensor(new Generator(5), [8, 12]);
    const onGrid = (t: tf.Tensor) => {
      const v = t.dataSync() as Float32Array;
      return Array.from(roundToFloat16(v)).every((r, i) => Object.is(r, v[i]));
    };
    expect(onGrid(model.predict(x) as tf.Tensor)).toBe(false);
    expect(onGrid(autocast(() => model.predict(x) as tf.Tensor))).toBe(true);
    const { grads } = autocast(() => tf.variableGrads(() => tf.sum(tf.square(model.apply(x) as tf.Tensor)) as tf.Scalar));
    const kernels = Object.keys(grads).filter((n) => n.endsWith('/kernel'));
    expect(kernels.length).toBe(2);
    for (const n of kernels) expect(onGrid(grads[n]), n).toBe(true);
  });

  it('GradScaler drives @descent/optim AdamW and skips its step on overflow', async () => {
    const w = tf.variable(tf.tensor1d([1, -1, 0.5]), true, 'wasm_adamw');
    const opt = new AdamW([w], { lr: 0.1 });
    const scaler = new GradScaler({ initScale: 2 ** 10, growthInterval: 2 });
    const before = Array.from(w.dataSync());
    // Step 1: a clean gradient (scaled by 2^10) steps AdamW with the unscaled one.
    expect(await scaler.step(opt, { wasm_adamw: tf.tensor1d([1024, -2048, 512]) })).toBe(true);
    scaler.update();
    const after1 = Array.from(w.dataSync());
    expect(after1).not.toEqual(before);
    // Step 2: an overflowed gradient leaves the weights and AdamW's state alone and halves the scale.
    expect(await scaler.step(opt, { wasm_adamw: tf.tensor1d([Infinity, 1, 1]) })).toBe(false);
    scaler.update();
    expect(Array.from(w.dataSync())).toEqual(after1);
    expect(scaler.getScale()).toBe(512);
    // Reference: AdamW alone on the unscaled gradient [1, -2, 0.5] gives the same first step.
    const v = tf.variable(tf.tensor1d([1, -1, 0.5]), true, 'wasm_adamw_ref');
    new AdamW([v], { lr: 0.1 }).step({ wasm_adamw_ref: tf.tensor1d([1, -2, 0.5]) });
    expect(after1).toEqual(Array.from(v.dataSync()));
    tf.dispose([w, v]);
  });
});
