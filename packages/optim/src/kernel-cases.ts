import * as tf from '@tensorflow/tfjs-core';
import { Generator, type FusedAttrs, type FusedOp } from '@descent/core';
import * as ops from './ops/index.js';

/** One fused op and a generator of random, valid inputs and attributes for it. */
export interface KernelCase {
  op: FusedOp<string, string>;
  generate: (rng: Generator, run: number) => { inputs: Record<string, tf.Tensor>; attrs: FusedAttrs };
}

function tensor(rng: Generator, n: number, f: (x: number) => number): tf.Tensor {
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = f(rng.normal());
  return tf.tensor1d(data, 'float32');
}

const normal = (x: number) => x;
const small = (x: number) => 0.1 * x;
const positive = (x: number) => 1e-4 + 0.01 * x * x;
const uniform = (rng: Generator, lo: number, hi: number) => lo + (hi - lo) * rng.random();
const bit = (run: number, i: number) => ((run >> i) & 1) === 1;

/** Every optim op with every flag combination across runs: what a kernel author tests a kernel with. */
export function kernelCases(): KernelCase[] {
  const common = (rng: Generator, run: number, n: number) => ({
    inputs: { param: tensor(rng, n, normal), grad: tensor(rng, n, normal) } as Record<string, tf.Tensor>,
    wd: bit(run, 0) ? uniform(rng, 0.001, 0.1) : 0,
    maximize: bit(run, 1),
  });
  const size = (rng: Generator) => 1 + rng.randint(97);
  const betas = (rng: Generator) => [uniform(rng, 0.5, 0.95), uniform(rng, 0.9, 0.9999)];
  const adamLike = (op: FusedOp<string, string>, amsgrad: boolean): KernelCase => ({
    op,
    generate: (rng, run) => {
      const n = size(rng);
      const { inputs, wd, maximize } = common(rng, run, n);
      inputs.expAvg = tensor(rng, n, small);
      inputs.expAvgSq = tensor(rng, n, positive);
      if (amsgrad) inputs.maxExpAvgSq = tensor(rng, n, positive);
      const [b1, b2] = betas(rng);
      const step = 1 + rng.randint(20);
      const lr = uniform(rng, 1e-4, 0.1);
      const decoupled = bit(run, 2);
      return {
        inputs,
        attrs: {
          maximize,
          weightDecay: decoupled ? 0 : wd,
          paramScale: decoupled ? 1 - lr * wd : 1,
          beta1: b1,
          oneMinusBeta1: 1 - b1,
          beta2: b2,
          oneMinusBeta2: 1 - b2,
          eps: 1e-8,
          stepSize: lr / (1 - b1 ** step),
          biasCorrection2Sqrt: Math.sqrt(1 - b2 ** step),
        },
      };
    },
  });
  const rms = (op: FusedOp<string, string>, centered: boolean, momentum: boolean): KernelCase => ({
    op,
    generate: (rng, run) => {
      const n = size(rng);
      const { inputs, wd, maximize } = common(rng, run, n);
      const ga = tensor(rng, n, small);
      inputs.squareAvg = tf.tidy(() => tf.add(tf.square(ga), tensor(rng, n, positive)));
      if (centered) inputs.gradAvg = ga;
      else ga.dispose();
      if (momentum) inputs.momentumBuffer = tensor(rng, n, small);
      const alpha = uniform(rng, 0.8, 0.999);
      return { inputs, attrs: { lr: uniform(rng, 1e-4, 0.1), alpha, oneMinusAlpha: 1 - alpha, eps: 1e-8, weightDecay: wd, momentum: momentum ? uniform(rng, 0.1, 0.9) : 0, maximize } };
    },
  });
  return [
    {
      op: ops.sgdStep,
      generate: (rng, run) => {
        const { inputs, wd, maximize } = common(rng, run, size(rng));
        return { inputs, attrs: { lr: uniform(rng, 1e-4, 0.5), weightDecay: wd, maximize } };
      },
    },
    {
      op: ops.sgdMomentumStep,
      generate: (rng, run) => {
        const n = size(rng);
        const { inputs, wd, maximize } = common(rng, run, n);
        inputs.momentumBuffer = tensor(rng, n, small);
        return {
          inputs,
          attrs: { lr: uniform(rng, 1e-4, 0.5), weightDecay: wd, maximize, momentum: uniform(rng, 0.1, 0.99), dampeningComplement: bit(run, 2) ? 1 : uniform(rng, 0.5, 1), nesterov: bit(run, 3), init: bit(run, 4) },
        };
      },
    },
    adamLike(ops.adamStep, false),
    adamLike(ops.adamAmsgradStep, true),
    {
      op: ops.lambStep,
      generate: (rng, run) => {
        const n = size(rng);
        const { inputs } = common(rng, run, n);
        inputs.expAvg = tensor(rng, n, small);
        inputs.expAvgSq = tensor(rng, n, positive);
        inputs.gradDivisor = tf.scalar(bit(run, 0) ? 1 : uniform(rng, 1, 5));
        const [b1, b2] = betas(rng);
        const step = 1 + rng.randint(20);
        const bias = !bit(run, 1);
        const wd = bit(run, 2) ? 0 : uniform(rng, 0.001, 0.1);
        return {
          inputs,
          attrs: {
            lr: uniform(rng, 1e-4, 0.1),
            beta1: b1,
            beta3: bit(run, 3) ? 1 : 1 - b1,
            beta2: b2,
            oneMinusBeta2: 1 - b2,
            eps: 1e-6,
            biasCorrection1: bias ? 1 - b1 ** step : 1,
            biasCorrection2Sqrt: bias ? Math.sqrt(1 - b2 ** step) : 1,
            weightDecay: wd,
            adapt: wd !== 0 || bit(run, 4),
            trustClip: bit(run, 5),
          },
        };
      },
    },
    {
      op: ops.adagradStep,
      generate: (rng, run) => {
        const n = size(rng);
        const { inputs, wd, maximize } = common(rng, run, n);
        inputs.sum = tensor(rng, n, positive);
        return { inputs, attrs: { clr: uniform(rng, 1e-4, 0.1), weightDecay: wd, eps: 1e-10, maximize } };
      },
    },
    rms(ops.rmspropStep, false, false),
    rms(ops.rmspropCenteredStep, true, false),
    rms(ops.rmspropMomentumStep, false, true),
    rms(ops.rmspropCenteredMomentumStep, true, true),
    {
      op: ops.adadeltaStep,
      generate: (rng, run) => {
        const n = size(rng);
        const { inputs, wd, maximize } = common(rng, run, n);
        inputs.squareAvg = tensor(rng, n, positive);
        inputs.accDelta = tensor(rng, n, positive);
        const rho = uniform(rng, 0.8, 0.99);
        return { inputs, attrs: { lr: uniform(rng, 0.1, 1), rho, oneMinusRho: 1 - rho, eps: 1e-6, weightDecay: wd, maximize } };
      },
    },
    {
      op: ops.adamaxStep,
      generate: (rng, run) => {
        const n = size(rng);
        const { inputs, wd, maximize } = common(rng, run, n);
        inputs.expAvg = tensor(rng, n, small);
        inputs.expInf = tensor(rng, n, positive);
        const [b1, b2] = betas(rng);
        return { inputs, attrs: { beta1: b1, oneMinusBeta1: 1 - b1, beta2: b2, eps: 1e-8, weightDecay: wd, clr: uniform(rng, 1e-4, 0.1), maximize } };
      },
    },
    {
      op: ops.nadamStep,
      generate: (rng, run) => {
        const n = size(rng);
        const { inputs, wd } = common(rng, run, n);
        inputs.expAvg = tensor(rng, n, small);
        inputs.expAvgSq = tensor(rng, n, positive);
        const [b1, b2] = betas(rng);
        const step = 1 + rng.randint(20);
        return {
          inputs,
          attrs: { beta1: b1, oneMinusBeta1: 1 - b1, beta2: b2, oneMinusBeta2: 1 - b2, eps: 1e-8, weightDecay: wd, biasCorrection2: 1 - b2 ** step, gradCoef: uniform(rng, 1e-4, 0.1), avgCoef: uniform(rng, 1e-4, 0.1) },
        };
      },
    },
    {
      op: ops.radamStep,
      generate: (rng, run) => {
        const n = size(rng);
        const { inputs, wd } = common(rng, run, n);
        inputs.expAvg = tensor(rng, n, small);
        inputs.expAvgSq = tensor(rng, n, positive);
        const [b1, b2] = betas(rng);
        const step = 1 + rng.randint(20);
        return {
          inputs,
          attrs: {
            lr: uniform(rng, 1e-4, 0.1),
            beta1: b1,
            oneMinusBeta1: 1 - b1,
            beta2: b2,
            oneMinusBeta2: 1 - b2,
            eps: 1e-8,
            weightDecay: wd,
            biasCorrection1: 1 - b1 ** step,
            biasCorrection2Sqrt: Math.sqrt(1 - b2 ** step),
            rectify: bit(run, 2),
            rect: uniform(rng, 0.1, 1),
          },
        };
      },
    },
    {
      op: ops.lionStep,
      generate: (rng, run) => {
        const n = size(rng);
        const { inputs, wd } = common(rng, run, n);
        inputs.expAvg = tensor(rng, n, small);
        const lr = uniform(rng, 1e-5, 1e-2);
        const [b1, b2] = betas(rng);
        return { inputs, attrs: { lr, paramScale: 1 - lr * wd, beta1: b1, oneMinusBeta1: 1 - b1, beta2: b2, oneMinusBeta2: 1 - b2 } };
      },
    },
  ] as KernelCase[];
}
