import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { activate, expectClose, expectNoLeak, on, randomArray, type Engine } from './util.js';

const ACTIVATIONS = ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu'] as const;
const TRANSPOSES: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];
const M = 20;
const K = 70; // > 48, the stock scalar loop's block size
const N = 30;

type BiasKind = 'none' | 'vector' | 'scalar' | 'matrix';
const BIAS_SHAPES: Record<BiasKind, number[] | null> = { none: null, vector: [N], scalar: [1], matrix: [M, N] };

interface Case {
  batch: number[];
  ta: boolean;
  tb: boolean;
  activation: (typeof ACTIVATIONS)[number];
  bias: BiasKind;
}

async function fusedOn(engine: Engine, c: Case) {
  const aShape = [...c.batch, ...(c.ta ? [K, M] : [M, K])];
  const bShape = [...c.batch, ...(c.tb ? [N, K] : [K, N])];
  const data = {
    a: randomArray(tf.util.sizeFromShape(aShape), 1),
    b: randomArray(tf.util.sizeFromShape(bShape), 2),
    bias: BIAS_SHAPES[c.bias] && randomArray(tf.util.sizeFromShape(BIAS_SHAPES[c.bias]!), 3),
    prelu: randomArray(N, 4),
  };
  const kept: [tf.Tensor, Float32Array][] = [];
  const keep = (t: tf.Tensor, d: Float32Array) => (kept.push([tf.keep(t), d]), t);
  const result = await on(engine, () =>
    tf.fused.matMul({
      a: keep(tf.tensor(data.a, aShape), data.a),
      b: keep(tf.tensor(data.b, bShape), data.b),
      transposeA: c.ta,
      transposeB: c.tb,
      bias: data.bias ? keep(tf.tensor(data.bias, BIAS_SHAPES[c.bias]!), data.bias) : undefined,
      activation: c.activation,
      preluActivationWeights: c.activation === 'prelu' ? keep(tf.tensor(data.prelu, [N]), data.prelu) : undefined,
      leakyreluAlpha: 0.13,
    }),
  );
  for (const [t, d] of kept) expect(await t.data(), 'an input was written').toEqual(d);
  tf.dispose(kept.map(([t]) => t));
  return result;
}

describe('_FusedMatMul on Descent wasm', () => {
  for (const [ta, tb] of TRANSPOSES) {
    for (const activation of ACTIVATIONS) {
      it(`matches cpu: ${ta ? 'aᵀ' : 'a'} @ ${tb ? 'bᵀ' : 'b'}, ${activation}, every bias shape`, async () => {
        for (const bias of Object.keys(BIAS_SHAPES) as BiasKind[]) {
          const c: Case = { batch: [], ta, tb, activation, bias };
          const cpu = await fusedOn('cpu', c);
          const descent = await fusedOn('descent', c);
          expectClose(descent, cpu, `bias ${bias}: descent vs cpu`);
          if (!ta && !tb && bias !== 'scalar' && bias !== 'matrix') {
            // Where the stock kernel is right (no transposes, a per-column bias), we equal it too.
            expectClose(descent, await fusedOn('stock', c), `bias ${bias}: descent vs stock wasm`);
          }
        }
      });
    }
  }

  for (const activation of ['linear', 'relu', 'prelu'] as const) {
    it(`matches cpu for batched products with a bias (${activation})`, async () => {
      for (const [ta, tb] of TRANSPOSES) {
        for (const batch of [[3], [2, 2]]) {
          const c: Case = { batch, ta, tb, activation, bias: 'vector' };
          expectClose(await fusedOn('descent', c), await fusedOn('cpu', c), `[${batch}] ta=${ta} tb=${tb}`);
        }
      }
    });
  }

  it('the stock kernel is wrong with a transpose and a bias, which is why it is replaced', async () => {
    const c: Case = { batch: [], ta: false, tb: true, activation: 'linear', bias: 'vector' };
    const cpu = await fusedOn('cpu', c);
    const stock = await fusedOn('stock', c);
    const maxDiff = Math.max(...cpu.data.map((v, i) => Math.abs(v - stock.data[i])));
    expect(maxDiff).toBeGreaterThan(0.1);
  });

  it('leaks no wasm memory', async () => {
    await activate('descent');
    const a = tf.ones([2, M, K]);
    const b = tf.ones([K, N]);
    const bias = tf.ones([N]);
    const run = () =>
      tf.tidy(() => {
        for (const [ta, tb] of TRANSPOSES) {
          const a2 = ta ? tf.transpose(a, [0, 2, 1]) : a;
          const b2 = tb ? tf.transpose(b) : b;
          tf.fused.matMul({ a: a2, b: b2, transposeA: ta, transposeB: tb, bias, activation: 'relu' });
          tf.fused.matMul({ a: tf.reshape(a, [2 * M, K]), b: b2, transposeB: tb, bias: tf.ones([1]), activation: 'elu' });
        }
      });
    expectNoLeak(run);
    tf.dispose([a, b, bias]);
  });
});
