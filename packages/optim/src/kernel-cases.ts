import * as tf from '@tensorflow/tfjs-core';
import { declaredShape, Generator, type AnyFusedOp, type FusedAttrs } from '@descent/core';
import * as ops from './ops/index.js';
import { adamAttrs } from './adam.js';
import { lambAttrs } from './lamb.js';
import { adagradAttrs } from './adagrad.js';
import { rmspropAttrs } from './rmsprop.js';
import { adadeltaAttrs } from './adadelta.js';
import { adamaxAttrs } from './adamax.js';
import { nadamAttrs } from './nadam.js';
import { radamAttrs } from './radam.js';
import { lionAttrs } from './lion.js';
import { sgdAttrs, sgdMomentumAttrs } from './sgd.js';
import { adafactorAttrs } from './adafactor.js';
import { muonAttrs } from './muon.js';
import { asgdAttrs } from './asgd.js';
import { rpropAttrs } from './rprop.js';
import { scheduleFreeAttrs, scheduleFreeMomentumAttrs } from './schedule-free-adamw.js';
import { scheduleFreeScalars } from './functional/schedule-free.js';

/** One fused op and a generator of random, valid inputs and attributes for it. */
export interface KernelCase {
  op: AnyFusedOp;
  /** Random, valid inputs and attributes for run `run`, drawn from `rng`. */
  generate: (rng: Generator, run: number) => { inputs: Record<string, tf.Tensor>; attrs: FusedAttrs };
}

function tensor(rng: Generator, n: number, f: (x: number) => number, shape: number[] = [n]): tf.Tensor {
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = f(rng.normal());
  return tf.tensor(data, shape, 'float32');
}

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

const normal = (x: number) => x;
const small = (x: number) => 0.1 * x;
const positive = (x: number) => 1e-4 + 0.01 * x * x;
const uniform = (rng: Generator, lo: number, hi: number) => lo + (hi - lo) * rng.random();
const bit = (run: number, i: number) => ((run >> i) & 1) === 1;

/**
 * Every optim op with every flag combination across runs: what a kernel author
 * tests a kernel with. Attributes come from each algorithm's own attrs function
 * (`adamAttrs`, …) on random options and steps, so they are what the optimizers pass.
 */
export function kernelCases(): KernelCase[] {
  // Random options every algorithm draws from; `run`'s bits switch the flags.
  const setup = (rng: Generator, run: number) => {
    const n = 1 + rng.randint(97);
    const inputs: Record<string, tf.Tensor> = { param: tensor(rng, n, normal), grad: tensor(rng, n, normal) };
    const state = (name: string, f: (x: number) => number) => (inputs[name] = tensor(rng, n, f));
    const options = {
      lr: uniform(rng, 1e-4, 0.1),
      betas: [uniform(rng, 0.5, 0.95), uniform(rng, 0.9, 0.9999)] as [number, number],
      eps: 1e-8,
      weightDecay: bit(run, 0) ? uniform(rng, 0.001, 0.1) : 0,
      maximize: bit(run, 1),
    };
    return { n, inputs, state, options, step: 1 + rng.randint(20) };
  };
  const adamLike = (op: AnyFusedOp, amsgrad: boolean): KernelCase => ({
    op,
    generate: (rng, run) => {
      const { inputs, state, options, step } = setup(rng, run);
      state('expAvg', small);
      state('expAvgSq', positive);
      if (amsgrad) state('maxExpAvgSq', positive);
      return { inputs, attrs: adamAttrs(options, step, bit(run, 2)) };
    },
  });
  const rms = (op: AnyFusedOp, centered: boolean, momentum: boolean): KernelCase => ({
    op,
    generate: (rng, run) => {
      const { n, inputs, state, options } = setup(rng, run);
      const ga = tensor(rng, n, small);
      // A centered square average must exceed the squared grad average. The margin
      // bounds the cancellation in `sq' - ga'^2`, which turns the ulp an
      // implementation may differ by (KERNELS.md) into more than 1e-5 as it nears 0.
      const margin = centered ? 0.05 : 0;
      inputs.squareAvg = tf.tidy(() => tf.add(tf.square(ga), tf.add(tensor(rng, n, positive), margin)));
      if (centered) inputs.gradAvg = ga;
      else ga.dispose();
      if (momentum) state('momentumBuffer', small);
      const attrs = rmspropAttrs({ ...options, alpha: uniform(rng, 0.8, 0.999), momentum: momentum ? uniform(rng, 0.1, 0.9) : 0 });
      return { inputs, attrs };
    },
  });
  // Adafactor's options: lr from 1e-4 to 0.1 (so ρ switches between lr and 1/√t), steps up to 200.
  const adafactorOptions = (rng: Generator, run: number) => ({
    lr: uniform(rng, 1e-4, 0.1),
    beta2Decay: -uniform(rng, 0.5, 1),
    eps: [bit(run, 2) ? null : uniform(rng, 1e-30, 1e-3), uniform(rng, 1e-4, 1e-2)] as [number | null, number],
    d: bit(run, 3) ? 1 : uniform(rng, 1, 3),
    weightDecay: bit(run, 0) ? uniform(rng, 0.001, 0.1) : 0,
    maximize: bit(run, 1),
  });
  // Matrices from 1×1 to 13×13, with up to three leading batch axes of small size on some runs.
  const matrixShape = (rng: Generator, run: number) => {
    const lead = bit(run, 4) ? Array.from({ length: 1 + rng.randint(2) }, () => 1 + rng.randint(3)) : [];
    return [...lead, 1 + rng.randint(13), 1 + rng.randint(13)];
  };
  const muonShape = (rng: Generator) => [1 + rng.randint(13), 1 + rng.randint(13)];
  return [
    {
      op: ops.sgdStep,
      generate: (rng, run) => {
        const { inputs, options } = setup(rng, run);
        return { inputs, attrs: sgdAttrs({ ...options, lr: uniform(rng, 1e-4, 0.5) }) };
      },
    },
    {
      op: ops.sgdMomentumStep,
      generate: (rng, run) => {
        const { inputs, state, options } = setup(rng, run);
        state('momentumBuffer', small);
        const o = { ...options, momentum: uniform(rng, 0.1, 0.99), dampening: bit(run, 2) ? 0 : uniform(rng, 0, 0.5), nesterov: bit(run, 3) };
        return { inputs, attrs: sgdMomentumAttrs(o, bit(run, 4)) };
      },
    },
    adamLike(ops.adamStep, false),
    adamLike(ops.adamAmsgradStep, true),
    {
      op: ops.lambStep,
      generate: (rng, run) => {
        const { inputs, state, options, step } = setup(rng, run);
        state('expAvg', small);
        state('expAvgSq', positive);
        inputs.gradDivisor = tf.scalar(bit(run, 0) ? 1 : uniform(rng, 1, 5));
        const o = {
          ...options,
          eps: 1e-6,
          weightDecay: bit(run, 2) ? 0 : uniform(rng, 0.001, 0.1),
          biasCorrection: !bit(run, 1),
          gradAveraging: !bit(run, 3),
          alwaysAdapt: bit(run, 4),
          trustClip: bit(run, 5),
        };
        return { inputs, attrs: lambAttrs(o, step) };
      },
    },
    {
      op: ops.adagradStep,
      generate: (rng, run) => {
        const { inputs, state, options, step } = setup(rng, run);
        state('sum', positive);
        return { inputs, attrs: adagradAttrs({ ...options, eps: 1e-10, lrDecay: bit(run, 2) ? uniform(rng, 0, 0.1) : 0 }, step) };
      },
    },
    rms(ops.rmspropStep, false, false),
    rms(ops.rmspropCenteredStep, true, false),
    rms(ops.rmspropMomentumStep, false, true),
    rms(ops.rmspropCenteredMomentumStep, true, true),
    {
      op: ops.adadeltaStep,
      generate: (rng, run) => {
        const { inputs, state, options } = setup(rng, run);
        state('squareAvg', positive);
        state('accDelta', positive);
        return { inputs, attrs: adadeltaAttrs({ ...options, lr: uniform(rng, 0.1, 1), rho: uniform(rng, 0.8, 0.99), eps: 1e-6 }) };
      },
    },
    {
      op: ops.adamaxStep,
      generate: (rng, run) => {
        const { inputs, state, options, step } = setup(rng, run);
        state('expAvg', small);
        state('expInf', positive);
        return { inputs, attrs: adamaxAttrs(options, step) };
      },
    },
    {
      op: ops.nadamStep,
      generate: (rng, run) => {
        const { inputs, state, options, step } = setup(rng, run);
        state('expAvg', small);
        state('expAvgSq', positive);
        const { attrs } = nadamAttrs({ ...options, momentumDecay: 4e-3 }, step, uniform(rng, 0.01, 1));
        return { inputs, attrs };
      },
    },
    {
      op: ops.radamStep,
      generate: (rng, run) => {
        const { inputs, state, options } = setup(rng, run);
        state('expAvg', small);
        state('expAvgSq', positive);
        // Steps from 1 to 40 with beta2 down to 0.9: both sides of the rectification switch.
        const o = { ...options, betas: [options.betas[0], uniform(rng, 0.9, 0.999)] as [number, number] };
        return { inputs, attrs: radamAttrs(o, 1 + rng.randint(40)) };
      },
    },
    {
      op: ops.lionStep,
      generate: (rng, run) => {
        const { inputs, state, options } = setup(rng, run);
        state('expAvg', small);
        return { inputs, attrs: lionAttrs({ ...options, lr: uniform(rng, 1e-5, 1e-2) }) };
      },
    },
    {
      op: ops.adafactorStep,
      generate: (rng, run) => {
        const n = 1 + rng.randint(97);
        const shape = bit(run, 4) ? [] : [n];
        const size = sizeOf(shape);
        const inputs = { param: tensor(rng, size, normal, shape), grad: tensor(rng, size, normal, shape), variance: tensor(rng, size, positive, shape) };
        return { inputs, attrs: adafactorAttrs(adafactorOptions(rng, run), 1 + rng.randint(200)) };
      },
    },
    {
      op: ops.adafactorFactoredStep,
      generate: (rng, run) => {
        const shape = matrixShape(rng, run);
        const row = declaredShape(ops.adafactorFactoredStep.declaration, 'rowVar', shape);
        const col = declaredShape(ops.adafactorFactoredStep.declaration, 'colVar', shape);
        const inputs = {
          param: tensor(rng, sizeOf(shape), normal, shape),
          grad: tensor(rng, sizeOf(shape), normal, shape),
          rowVar: tensor(rng, sizeOf(row), positive, row),
          colVar: tensor(rng, sizeOf(col), positive, col),
        };
        return { inputs, attrs: adafactorAttrs(adafactorOptions(rng, run), 1 + rng.randint(200)) };
      },
    },
    {
      op: ops.muonMomentum,
      generate: (rng, run) => {
        const shape = muonShape(rng);
        const inputs = { grad: tensor(rng, sizeOf(shape), normal, shape), momentumBuffer: tensor(rng, sizeOf(shape), small, shape) };
        // eps up to 1e3 on some runs, so that max(‖u‖, eps) takes eps too.
        const o = { lr: 0.02, weightDecay: 0.1, momentum: uniform(rng, 0, 0.99), nesterov: bit(run, 0), eps: bit(run, 1) ? 1e3 : 1e-7, adjustLrFn: null };
        return { inputs, attrs: muonAttrs(o, shape).momentum };
      },
    },
    {
      op: ops.muonApply,
      generate: (rng, run) => {
        const shape = muonShape(rng);
        const inputs = { param: tensor(rng, sizeOf(shape), normal, shape), ortho: tensor(rng, sizeOf(shape), small, shape) };
        const o = { lr: uniform(rng, 1e-4, 0.1), weightDecay: bit(run, 0) ? uniform(rng, 0.001, 0.2) : 0, momentum: 0.95, nesterov: true, eps: 1e-7 };
        return { inputs, attrs: muonAttrs({ ...o, adjustLrFn: bit(run, 1) ? 'match_rms_adamw' : null }, shape).apply };
      },
    },
    {
      op: ops.asgdStep,
      generate: (rng, run) => {
        const { inputs, state, options } = setup(rng, run);
        state('ax', normal);
        const eta = Math.fround(uniform(rng, 1e-3, 0.1));
        const mu = bit(run, 2) ? 1 : Math.fround(uniform(rng, 0.01, 1));
        return { inputs, attrs: asgdAttrs({ ...options, lambd: uniform(rng, 1e-4, 0.5) }, eta, mu) };
      },
    },
    {
      op: ops.rpropStep,
      generate: (rng, run) => {
        const { inputs, state, options } = setup(rng, run);
        // Zeros in prev (a rested element, or the first step) keep the step size.
        state('prev', (x) => (Math.abs(x) < 0.4 ? 0 : x));
        state('stepSize', (x) => 1e-3 + 0.01 * x * x);
        // Bits 2 and 3 pull the bounds in, so that the clamp acts.
        const o = {
          ...options,
          etas: [uniform(rng, 0.3, 0.7), uniform(rng, 1.1, 1.5)] as [number, number],
          stepSizes: [bit(run, 2) ? 4e-3 : 1e-6, bit(run, 3) ? 6e-3 : 50] as [number, number],
        };
        return { inputs, attrs: rpropAttrs(o) };
      },
    },
    ...[false, true].map(
      (momentum): KernelCase => ({
        op: momentum ? ops.scheduleFreeAdamWMomentumStep : ops.scheduleFreeAdamWStep,
        generate: (rng, run) => {
          const { inputs, state, options } = setup(rng, run);
          state('z', normal);
          state('expAvgSq', positive);
          if (momentum) state('expAvg', small);
          const innerMomentum = momentum ? uniform(rng, 0.1, 0.95) : 0;
          const k = rng.randint(30);
          const group = {
            lr: options.lr,
            betas: options.betas,
            warmupSteps: bit(run, 2) ? 10 : 0,
            r: bit(run, 3) ? 1 : 0,
            weightLrPower: 2,
            innerMomentum,
            lrMax: k === 0 ? -1 : options.lr,
            weightSum: k === 0 ? 0 : uniform(rng, 1e-4, 1),
          };
          const o = { ...options, eps: 1e-8, innerMomentum };
          const scalars = scheduleFreeScalars(k, group);
          return { inputs, attrs: momentum ? scheduleFreeMomentumAttrs(o, scalars) : scheduleFreeAttrs(o, scalars) };
        },
      }),
    ),
  ];
}
