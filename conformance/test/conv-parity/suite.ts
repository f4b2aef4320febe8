// Replays the PyTorch convolution-family fixtures (tools/gen_conv_fixtures.py,
// conformance/test/fixtures/conv.json) on the active backend. A per-backend test
// file activates its backend and calls runConvParitySuite: one it() per case, which
// runs the forward with tfjs ops, the gradient of sum(output * r) with tf.grads, and
// compares both (and batch norm's running statistics) with torch; a throwing kernel
// or gradient is a failing case, never a skip. The fixture is already in tfjs layouts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

export interface TensorJson {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: number[];
}

export interface ConvCase {
  name: string;
  op: 'conv2d' | 'depthwiseConv2d' | 'conv2dTranspose' | 'conv1d' | 'maxPool' | 'avgPool' | 'embedding' | 'batchNorm';
  attrs: Record<string, unknown>;
  /** How torch computed it (documentation). */
  torch: string;
  inputs: Record<string, TensorJson>;
  cotangent: TensorJson;
  output: TensorJson;
  grads: Record<string, TensorJson>;
  extras?: Record<string, TensorJson>;
  /** max |f32 - f64| / max |f64| per result: what float32 rounding alone does. */
  rounding: Record<string, number>;
  /** The longest sum behind any result. */
  terms: number;
}

export const fixtures = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'conv.json'), 'utf8')) as {
  torch: string;
  cases: ConvCase[];
};

type Pad = Parameters<typeof tf.conv2d>[3];
type Pad1D = Parameters<typeof tf.conv1d>[3];

/**
 * torch's F.conv2d(x, w, groups=g) in tfjs ops (tfjs has no groups argument).
 * `w` is [kh, kw, Cin/g, Cout] (torch's [Cout, Cin/g, kh, kw] transposed): for
 * g = Cin it is reshaped to depthwise [kh, kw, Cin, Cout/Cin] (output channel
 * c*m + j reads input channel c in both); otherwise x and w are split into g
 * groups on their channel axes, convolved, and concatenated.
 */
export function groupedConv2d(x: tf.Tensor4D, w: tf.Tensor4D, groups: number, strides: number, pad: Pad, dilations: number): tf.Tensor4D {
  if (groups === 1) return tf.conv2d(x, w, strides, pad, 'NHWC', dilations);
  const [kh, kw, , cout] = w.shape;
  const cin = x.shape[3];
  if (groups === cin) return tf.depthwiseConv2d(x, tf.reshape(w, [kh, kw, cin, cout / cin]), strides, pad, 'NHWC', dilations);
  const xs = tf.split(x, groups, 3);
  const ws = tf.split(w, groups, 3);
  return tf.concat(xs.map((xi, i) => tf.conv2d(xi as tf.Tensor4D, ws[i] as tf.Tensor4D, strides, pad, 'NHWC', dilations)), 3);
}

function withBias<T extends tf.Tensor>(y: T, b: tf.Tensor | undefined): T {
  return b ? tf.add(y, b) : y;
}

type Inputs = Record<string, tf.Tensor>;
interface Result {
  output: tf.Tensor;
  extras?: Record<string, tf.Tensor>;
}

/** Each fixture op in tfjs ops. */
const OPS: Record<ConvCase['op'], (inp: Inputs, a: Record<string, unknown>) => Result> = {
  conv2d: (inp, a) => {
    const x = inp.x as tf.Tensor4D;
    const w = inp.w as tf.Tensor4D;
    const [strides, pad, dilations] = [a.strides as number, a.pad as Pad, a.dilations as number];
    if (a.fused) {
      return { output: tf.fused.conv2d({ x, filter: w, strides, pad, dilations, bias: inp.b }) };
    }
    return { output: withBias(groupedConv2d(x, w, a.groups as number, strides, pad, dilations), inp.b) };
  },
  depthwiseConv2d: (inp, a) => ({
    output: withBias(tf.depthwiseConv2d(inp.x as tf.Tensor4D, inp.w as tf.Tensor4D, a.strides as number, a.pad as Pad, 'NHWC', a.dilations as number), inp.b),
  }),
  conv2dTranspose: (inp, a) => ({
    output: withBias(
      tf.conv2dTranspose(inp.x as tf.Tensor4D, inp.w as tf.Tensor4D, a.outputShape as [number, number, number, number], a.strides as number, a.pad as Pad),
      inp.b,
    ),
  }),
  // tfjs's conv1d runs a conv2d of height 1, so the fixture pads with 'same', 'valid' or
  // explicit [[0,0],[0,0],[p,p],[0,0]] (a number pad would pad that height too).
  conv1d: (inp, a) => ({
    output: withBias(tf.conv1d(inp.x as tf.Tensor3D, inp.w as tf.Tensor3D, a.stride as number, a.pad as Pad1D, 'NWC', 1), inp.b),
  }),
  maxPool: (inp, a) => ({ output: tf.maxPool(inp.x as tf.Tensor4D, a.filterSize as number, a.strides as number, a.pad as Pad) }),
  // tfjs's avgPool divides by the number of real (unpadded) elements: torch's count_include_pad=False.
  avgPool: (inp, a) => ({ output: tf.avgPool(inp.x as tf.Tensor4D, a.filterSize as number, a.strides as number, a.pad as Pad) }),
  // F.embedding(indices, table) is a gather on axis 0; its gradient sums the rows of repeated indices.
  embedding: (inp) => ({ output: tf.gather(inp.table, inp.indices, 0) }),
  // F.batch_norm(training=True): normalizes with the batch mean and the biased batch variance, and
  // updates running_mean = (1 - m) running_mean + m mean and running_var = (1 - m) running_var +
  // m var * n / (n - 1) (the unbiased variance; n = elements per channel).
  batchNorm: (inp, a) => {
    const x = inp.x;
    const momentum = a.momentum as number;
    const axes = x.rank === 4 ? [0, 1, 2] : [0];
    const { mean, variance } = tf.moments(x, axes);
    const output = tf.batchNorm(x, mean, variance, inp.beta, inp.gamma, a.eps as number);
    const n = x.size / x.shape[x.rank - 1];
    const runningMean = tf.add(tf.mul(inp.runningMean, 1 - momentum), tf.mul(mean, momentum));
    const runningVar = tf.add(tf.mul(inp.runningVar, 1 - momentum), tf.mul(variance, (momentum * n) / (n - 1)));
    return { output, extras: { runningMean, runningVar } };
  },
};

/**
 * Tolerance, float32 on both sides: torch and each tfjs backend (cpu loops, XNNPACK,
 * WGSL) add the same products in different orders. Rounding alone moves these
 * results by ~1e-7 of their magnitude (the fixture's `rounding`, float32 vs float64),
 * so rtol 1e-5 leaves a wide margin; where a sum runs over hundreds of terms (a weight
 * gradient over batch x positions) the order differences grow, so 1e-4. The absolute
 * part scales with the largest expected value: gradients have exact zeros and values
 * near zero left by cancellation, whose error follows the size of the terms summed,
 * not of the result.
 */
export function tolerance(c: ConvCase): number {
  return c.terms > 100 ? 1e-4 : 1e-5;
}

export interface Comparison {
  /** Empty when every element is within tolerance. */
  problem?: string;
  worstAbs: number;
  /** The worst |got - want| / max|want|. */
  worstScaled: number;
}

export function compare(label: string, got: ArrayLike<number>, gotShape: number[], want: TensorJson, rtol: number): Comparison {
  if (JSON.stringify(gotShape) !== JSON.stringify(want.shape)) {
    return { problem: `${label}: shape [${gotShape}], torch [${want.shape}]`, worstAbs: Infinity, worstScaled: Infinity };
  }
  const scale = want.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const atol = rtol * scale;
  let worstAbs = 0;
  let bad = -1;
  let count = 0;
  for (let i = 0; i < want.data.length; i++) {
    const err = Math.abs(got[i] - want.data[i]);
    if (!(err <= atol + rtol * Math.abs(want.data[i]))) {
      if (bad < 0) bad = i;
      count++;
    }
    if (!(err <= worstAbs)) worstAbs = err; // NaN propagates
  }
  const worstScaled = scale > 0 ? worstAbs / scale : worstAbs;
  const problem =
    bad < 0
      ? undefined
      : `${label}: ${count} of ${want.data.length} off (rtol ${rtol}, atol ${atol.toExponential(2)}); first [${bad}] got ${got[bad]}, torch ${want.data[bad]}; worst abs ${worstAbs.toExponential(2)}, ${worstScaled.toExponential(2)} of max|torch|`;
  return { problem, worstAbs, worstScaled };
}

function tensorOf(t: TensorJson): tf.Tensor {
  return tf.tensor(t.data, t.shape, t.dtype);
}

export interface CaseReport {
  problems: string[];
  /** Per result: worst absolute error and worst error relative to max|torch|. */
  errors: Record<string, { abs: number; scaled: number }>;
}

/** Runs one case on the active backend. */
export async function replay(c: ConvCase): Promise<CaseReport> {
  const op = OPS[c.op];
  const rtol = tolerance(c);
  const problems: string[] = [];
  const errors: CaseReport['errors'] = {};
  const check = async (label: string, t: tf.Tensor, want: TensorJson) => {
    const cmp = compare(label, await t.data(), t.shape, want, rtol);
    errors[label] = { abs: cmp.worstAbs, scaled: cmp.worstScaled };
    if (cmp.problem) problems.push(cmp.problem);
  };
  const before = tf.memory().numTensors;
  const inputs: Inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, tensorOf(v)]));
  const r = tensorOf(c.cotangent);
  const owned: tf.Tensor[] = [...Object.values(inputs), r];
  try {
    try {
      const { output, extras = {} } = tf.tidy(() => {
        const res = op(inputs, c.attrs);
        return { output: res.output, extras: res.extras ?? {} };
      });
      owned.push(output, ...Object.values(extras));
      await check('output', output, c.output);
      for (const [k, want] of Object.entries(c.extras ?? {})) {
        if (!extras[k]) problems.push(`${k}: not computed`);
        else await check(k, extras[k], want);
      }
    } catch (err) {
      problems.push(`forward threw: ${(err as Error).message}`);
    }
    const names = Object.keys(c.grads);
    try {
      const loss = (...diff: tf.Tensor[]) => {
        const all = { ...inputs };
        names.forEach((n, i) => (all[n] = diff[i]));
        return tf.sum(tf.mul(op(all, c.attrs).output, r));
      };
      const grads = tf.grads(loss)(names.map((n) => inputs[n]));
      owned.push(...grads);
      for (let i = 0; i < names.length; i++) await check(`grad ${names[i]}`, grads[i], c.grads[names[i]]);
    } catch (err) {
      problems.push(`gradient threw: ${(err as Error).message}`);
    }
  } finally {
    tf.dispose(owned);
  }
  const after = tf.memory().numTensors;
  if (after !== before) {
    // A tf.grads that throws leaks by itself (tfjs's engine frees the tape's saved tensors only on success).
    const why = problems.some((p) => p.includes('threw')) ? ', after the throw above' : '';
    problems.push(`leaked ${after - before} tensors (${before} before, ${after} after${why})`);
  }
  if (process.env.CONV_PARITY_LOG) {
    const worst = Object.entries(errors)
      .map(([k, e]) => `${k} ${e.abs.toExponential(1)}/${e.scaled.toExponential(1)}`)
      .join(', ');
    console.log(`[conv-parity ${tf.getBackend()}] ${c.name}: ${problems.length ? 'FAIL' : 'ok'} (worst abs/scaled: ${worst})`);
  }
  return { problems, errors };
}

/**
 * Declares one test per fixture case. `activate` starts the backend (in beforeAll);
 * `backendName` is what tf.getBackend() must then say.
 */
export function runConvParitySuite(label: string, backendName: string, activate: () => Promise<void>): void {
  describe(`torch ${fixtures.torch} conv-family parity on ${label}`, () => {
    beforeAll(activate);
    for (const c of fixtures.cases) {
      it(`${c.name} (${c.op}): ${c.torch}`, async () => {
        expect(tf.getBackend()).toBe(backendName);
        const { problems } = await replay(c);
        expect(problems).toEqual([]);
      });
    }
  });
}
