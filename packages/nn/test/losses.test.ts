// Replays the torch 1.13 loss fixtures (tools/gen_loss_fixtures.py) on the cpu
// backend: the loss, and the gradients of sum(loss * r) w.r.t. the input (and the
// target, where torch differentiates it); then torch's errors and leaks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { InvalidArgumentError, useBackend } from '@descent/core';
import { beforeAll, describe, expect, it } from 'vitest';
// The losses' own index: the package index (re-exporting it) is checked below, apart.
import * as nn from '../src/losses/index.js';

type Value = number | 'NaN' | 'Infinity' | '-Infinity';
interface TensorJson {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Value[];
}
interface LossCase {
  name: string;
  fn: string;
  torch: string;
  options: Record<string, unknown>;
  tensors: Record<string, TensorJson>;
  cotangent: TensorJson;
  output: TensorJson;
  gradInput: TensorJson;
  gradTarget?: TensorJson;
}

const fixtures = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'losses.json'), 'utf8')) as {
  torch: string;
  cases: LossCase[];
};

const num = (v: Value): number => (typeof v === 'number' ? v : Number(v));
const tensor = (t: TensorJson): tf.Tensor => tf.tensor(t.data.map(num), t.shape, t.dtype);

// Float32 tolerance, |got - torch| <= ATOL + RTOL |torch|: tfjs's cpu kernels order
// and fuse the arithmetic differently from ATen (log-softmax as max-shift and
// log-sum-exp, means as a sum then a division, other summation orders), which moves
// results by a few float32 ulps of the largest term (~1e-7 relative per operation);
// RTOL covers that with margin. ATOL covers values that cancel to about 0 (p - 1
// gradients, e^-100 against 0), where a relative bound means nothing. NaN and
// infinities must match exactly.
const RTOL = 1e-5;
const ATOL = 1e-6;

function mismatch(label: string, got: tf.Tensor, want: TensorJson): string | undefined {
  if (got.shape.join(',') !== want.shape.join(',')) return `${label}: shape [${got.shape}], torch [${want.shape}]`;
  const values = got.dataSync();
  for (let i = 0; i < want.data.length; i++) {
    const w = num(want.data[i]);
    const g = values[i];
    const ok = Number.isNaN(w) ? Number.isNaN(g) : !Number.isFinite(w) ? g === w : Math.abs(g - w) <= ATOL + RTOL * Math.abs(w);
    if (!ok) return `${label}[${i}]: got ${g}, torch ${w}`;
  }
  return undefined;
}

type LossFn = (input: tf.Tensor, target: tf.Tensor, options: Record<string, unknown>) => tf.Tensor;
const fns = nn as unknown as Record<string, LossFn>;

function replay(c: LossCase): string[] {
  return tf.tidy(() => {
    const { input: inputJson, target: targetJson, ...optionTensors } = c.tensors;
    const x = tensor(inputJson);
    const t = tensor(targetJson);
    const r = tensor(c.cotangent);
    const options: Record<string, unknown> = { ...c.options };
    for (const [k, v] of Object.entries(optionTensors)) options[k] = tensor(v);
    const loss = fns[c.fn];
    const problems: string[] = [];
    const out = loss(x, t, options);
    const check = (label: string, got: tf.Tensor, want: TensorJson) => {
      const m = mismatch(label, got, want);
      if (m) problems.push(m);
    };
    check('output', out, c.output);
    check('gradInput', tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(loss(xi, t, options), r)))(x), c.gradInput);
    if (c.gradTarget) {
      check('gradTarget', tf.grad((ti: tf.Tensor) => tf.sum(tf.mul(loss(x, ti, options), r)))(t), c.gradTarget);
    }
    return problems;
  });
}

beforeAll(async () => {
  await useBackend('cpu');
});

describe(`torch ${fixtures.torch} loss parity on cpu`, () => {
  it('the package index exports every loss', async () => {
    const root = (await import('../src/index.js')) as Record<string, unknown>;
    for (const name of ['crossEntropy', 'nllLoss', 'mseLoss', 'l1Loss', 'smoothL1Loss', 'huberLoss', 'bce', 'bceWithLogits', 'klDiv']) {
      expect(root[name], name).toBe((nn as Record<string, unknown>)[name]);
    }
  });
  it('has the fixtures', () => {
    expect(fixtures.cases.length).toBeGreaterThan(150);
    for (const c of fixtures.cases) expect(typeof fns[c.fn], c.fn).toBe('function');
  });
  for (const c of fixtures.cases) {
    it(`${c.name}: ${c.torch}`, () => {
      expect(tf.getBackend()).toBe('cpu');
      expect(replay(c)).toEqual([]);
    });
  }
});

function thrown(f: () => unknown): InvalidArgumentError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidArgumentError);
    return e as InvalidArgumentError;
  }
  throw new Error('expected an InvalidArgumentError');
}

function expectError(f: () => unknown, parameter: string, value: unknown, message: string): void {
  const e = thrown(f);
  expect(e.message).toBe(message);
  expect(e.parameter).toBe(parameter);
  expect(e.value).toEqual(value);
}

describe('torch-worded errors', () => {
  const logits = () => tf.zeros([4, 3]);
  const labels = (values: number[]) => tf.tensor1d(values, 'int32');

  it('target batch size', () => {
    expectError(() => nn.crossEntropy(logits(), labels([0, 1, 2])), 'target', [3], 'Expected input batch_size (4) to match target batch_size (3).');
    expectError(() => nn.nllLoss(logits(), labels([0, 1, 2])), 'target', [3], 'Expected input batch_size (4) to match target batch_size (3).');
  });

  it('K-dimensional target size', () => {
    expectError(
      () => nn.crossEntropy(tf.zeros([2, 4, 3]), tf.zeros([2, 3], 'int32')),
      'target',
      [2, 3],
      "Expected target size [2, 4], got [2, 3] (class indices take the input's shape without its last, class axis)",
    );
  });

  it('class index out of range, on the host', () => {
    expectError(() => nn.crossEntropy(logits(), labels([0, 1, 3, 1])), 'target', 3, 'Target 3 is out of bounds.');
    expectError(() => nn.nllLoss(logits(), labels([0, -1, 2, 1])), 'target', -1, 'Target -1 is out of bounds.');
    // ignoreIndex is no class: never out of bounds.
    expect(() => tf.dispose(nn.crossEntropy(logits(), labels([0, -100, 2, 1])))).not.toThrow();
    expect(() => tf.dispose(nn.crossEntropy(logits(), labels([0, 7, 2, 1]), { ignoreIndex: 7 }))).not.toThrow();
  });

  it('class index out of range, unchecked: NaN, not a silent zero', () => {
    const loss = nn.crossEntropy(logits(), labels([0, 5, 2, 1]), { validateValues: false, reduction: 'none' });
    expect(Array.from(loss.dataSync()).map(Number.isNaN)).toEqual([false, true, false, false]);
    const mean = nn.crossEntropy(logits(), labels([0, 5, 2, 1]), { validateValues: false });
    expect(Number.isNaN(mean.dataSync()[0])).toBe(true);
    tf.dispose([loss, mean]);
  });

  it('reduction', () => {
    const msg = "reduction: 'avg' is not a valid value for reduction; expected 'mean', 'sum' or 'none'";
    expectError(() => nn.crossEntropy(logits(), labels([0, 1, 2, 1]), { reduction: 'avg' as nn.Reduction }), 'reduction', 'avg', msg);
    expectError(() => nn.mseLoss(logits(), logits(), { reduction: 'avg' as nn.Reduction }), 'reduction', 'avg', msg);
    expectError(
      () => nn.klDiv(logits(), logits(), { reduction: 'avg' as nn.KlDivReduction }),
      'reduction',
      'avg',
      "reduction: 'avg' is not a valid value for reduction; expected 'mean', 'batchmean', 'sum' or 'none'",
    );
    expectError(
      () => nn.bce(logits(), logits(), { reduction: 'batchmean' as nn.Reduction }),
      'reduction',
      'batchmean',
      "reduction: 'batchmean' is not a valid value for reduction; expected 'mean', 'sum' or 'none'",
    );
  });

  it('labelSmoothing outside [0, 1]', () => {
    for (const ls of [1.5, -0.1, Number.NaN]) {
      expectError(
        () => nn.crossEntropy(logits(), labels([0, 1, 2, 1]), { labelSmoothing: ls }),
        'labelSmoothing',
        ls,
        `label_smoothing must be between 0.0 and 1.0. Got: ${ls}`,
      );
    }
  });

  it('weight length', () => {
    const msg = 'weight tensor should be defined either for all 3 classes or no classes but got weight tensor of shape: [4]';
    expectError(() => nn.crossEntropy(logits(), labels([0, 1, 2, 1]), { weight: [1, 2, 3, 4] }), 'weight', [4], msg);
    expectError(() => nn.nllLoss(logits(), labels([0, 1, 2, 1]), { weight: tf.ones([4]) }), 'weight', [4], msg);
    expectError(
      () => nn.crossEntropy(logits(), logits(), { weight: tf.ones([1, 3]) }),
      'weight',
      [1, 3],
      'weight tensor should be defined either for all 3 classes or no classes but got weight tensor of shape: [1, 3]',
    );
  });

  it('target dtypes', () => {
    expectError(
      () => nn.crossEntropy(logits(), tf.zeros([4, 3], 'int32')),
      'target',
      'int32',
      'Expected floating point type for target with class probabilities, got int32',
    );
    expectError(
      () => nn.crossEntropy(logits(), tf.zeros([4])),
      'target',
      'float32',
      "Expected int32 class indices for target, got float32 (class probabilities take the input's shape [4, 3])",
    );
    expectError(
      () => nn.crossEntropy(logits(), tf.fill([4, 3], 1 / 3), { ignoreIndex: 0 }),
      'ignoreIndex',
      0,
      'ignore_index is not supported for floating point target (ignoreIndex: 0)',
    );
  });

  it('pointwise shapes, beta, delta, bce range, broadcasting weights', () => {
    expectError(() => nn.mseLoss(tf.zeros([4, 1]), tf.zeros([4])), 'target', [4], 'Target size ([4]) must be the same as input size ([4, 1])');
    expectError(() => nn.bceWithLogits(logits(), tf.zeros([4])), 'target', [4], 'Target size ([4]) must be the same as input size ([4, 3])');
    expectError(
      () => nn.smoothL1Loss(logits(), logits(), { beta: -1 }),
      'beta',
      -1,
      'smooth_l1_loss does not support negative values for beta. Got: -1',
    );
    expectError(
      () => nn.huberLoss(logits(), logits(), { delta: 0 }),
      'delta',
      0,
      'huber_loss does not support non-positive values for delta. Got: 0',
    );
    expectError(
      () => nn.bce(tf.tensor1d([0.5, 1.5]), tf.tensor1d([1, 0])),
      'input',
      1.5,
      'all elements of input should be between 0 and 1 (got 1.5)',
    );
    expectError(
      () => nn.bceWithLogits(logits(), logits(), { weight: [1, 2, 3, 4] }),
      'weight',
      [4],
      'The size of weight (4) must match the size of input (3) at non-singleton dimension 1 (weight shape [4], input shape [4, 3])',
    );
    expectError(
      () => nn.bceWithLogits(logits(), logits(), { posWeight: tf.ones([2, 4, 3]) }),
      'posWeight',
      [2, 4, 3],
      'posWeight has more dimensions (3) than input (2) (posWeight shape [2, 4, 3], input shape [4, 3])',
    );
    expectError(() => nn.l1Loss(tf.zeros([2], 'int32'), tf.zeros([2])), 'input', 'int32', 'Expected floating point type (float32) for input, got int32');
    expectError(() => nn.mseLoss([1, 2] as unknown as tf.Tensor, tf.zeros([2])), 'input', [1, 2], 'input: expected a tf.Tensor, got an array');
  });

  it('errors leave no tensors behind', () => {
    const x = tf.zeros([4, 3]);
    const before = tf.memory().numTensors;
    expect(() => nn.crossEntropy(x, tf.tensor1d([0, 1, 3, 1], 'int32'))).toThrow(InvalidArgumentError);
    expect(tf.memory().numTensors).toBe(before + 1); // only the target made here
    x.dispose();
  });
});

describe('no leaks', () => {
  it('every loss, forward and backward, keeps numTensors flat', () => {
    const x = tf.randomNormal([6, 4], 0, 1, 'float32', 1);
    const p = tf.sigmoid(x);
    const y = tf.tensor1d([0, 3, -100, 1, 2, 1], 'int32');
    const soft = tf.softmax(tf.randomNormal([6, 4], 0, 1, 'float32', 2));
    const w = tf.tensor1d([0.5, 1, 2, 1.5]);
    const allIgnored = tf.fill([6], -100, 'int32');
    const logSoft = tf.logSoftmax(soft);
    // [loss of a, the a it is differentiated at]; every other tensor made once, out here.
    const calls: Array<[(a: tf.Tensor) => tf.Tensor, tf.Tensor]> = [
      [(a) => nn.crossEntropy(a, y, { weight: w, labelSmoothing: 0.1 }), x],
      [(a) => nn.crossEntropy(a, y, { weight: [1, 2, 3, 4], reduction: 'none' }), x],
      [(a) => nn.crossEntropy(a, soft, { weight: w, labelSmoothing: 0.2 }), x],
      [(a) => nn.crossEntropy(a, allIgnored), x],
      [(a) => nn.nllLoss(a, y, { reduction: 'sum' }), x],
      [(a) => nn.mseLoss(a, soft), x],
      [(a) => nn.l1Loss(a, soft, { reduction: 'none' }), x],
      [(a) => nn.smoothL1Loss(a, soft, { beta: 0.5 }), x],
      [(a) => nn.smoothL1Loss(a, soft, { beta: 0 }), x],
      [(a) => nn.huberLoss(a, soft, { delta: 2 }), x],
      [(a) => nn.bceWithLogits(a, soft, { weight: w, posWeight: [2, 2, 2, 2] }), x],
      [(a) => nn.bce(a, soft, { weight: w }), p],
      [(a) => nn.klDiv(a, soft, { reduction: 'batchmean' }), x],
      [(a) => nn.klDiv(a, logSoft, { logTarget: true }), x],
    ];
    for (const [call, a] of calls) call(a).dispose(); // warm up (first-use allocations)
    const before = tf.memory().numTensors;
    for (const [call, a] of calls) {
      call(a).dispose();
      tf.grad((b: tf.Tensor) => tf.sum(call(b)))(a).dispose();
      expect(tf.memory().numTensors, String(call)).toBe(before);
    }
    tf.dispose([x, p, y, soft, w, allIgnored, logSoft]);
  });
});

describe('crossEntropy / nllLoss: the path for targets known to be valid', () => {
  const bits = (t: tf.Tensor) => Array.from(new Uint32Array(new Float32Array(t.dataSync()).buffer));
  const logits = tf.tensor2d(Array.from({ length: 7 * 5 }, (_, i) => Math.sin(i * 1.7) * 3), [7, 5]);
  const target = tf.tensor1d([4, 0, 2, 2, 1, 3, 0], 'int32');

  for (const [name, f] of [
    ['crossEntropy', (z: tf.Tensor, o: nn.CrossEntropyOptions) => nn.crossEntropy(z, target, o)],
    ['nllLoss', (z: tf.Tensor, o: nn.NllLossOptions) => nn.nllLoss(tf.logSoftmax(z), target, o)],
  ] as const) {
    for (const reduction of ['mean', 'sum'] as const) {
      it(`${name}, ${reduction}: value and gradient bit-identical to the masked path, with fewer kernels`, async () => {
        const fast = tf.valueAndGrad((z: tf.Tensor) => f(z, { reduction }) as tf.Scalar)(logits);
        const masked = tf.valueAndGrad((z: tf.Tensor) => f(z, { reduction, validateValues: false }) as tf.Scalar)(logits);
        expect(bits(fast.value)).toEqual(bits(masked.value));
        expect(bits(fast.grad)).toEqual(bits(masked.grad));
        const count = async (o: nn.NllLossOptions) => (await tf.profile(() => tf.grad((z: tf.Tensor) => f(z, o) as tf.Scalar)(logits))).kernels.length;
        const [few, many] = [await count({ reduction }), await count({ reduction, validateValues: false })];
        expect(few).toBeLessThan(many / 2); // for a mean: crossEntropy 27 against 117, nllLoss 38
        tf.dispose([fast.value, fast.grad, masked.value, masked.grad]);
      });
    }
  }

  it('an ignored target takes the masked path (it leaves the mean)', () => {
    const withIgnored = tf.tensor1d([4, -100, 2], 'int32');
    const z = tf.slice(logits, [0, 0], [3, 5]);
    const loss = nn.crossEntropy(z, withIgnored);
    const want = nn.crossEntropy(tf.gather(z, [0, 2]), tf.tensor1d([4, 2], 'int32'));
    expect(loss.dataSync()[0]).toBeCloseTo(want.dataSync()[0], 6);
    tf.dispose([withIgnored, z, loss, want]);
  });
});
