// @descent/optim on webgpu, for one software Vulkan driver per test file (the
// driver is fixed when Dawn starts, so each file runs in its own vitest fork):
// every WGSL kernel against its composite fallback, the torch fixtures replayed,
// one dispatch per parameter step, and no leaks.
import * as tf from '@tensorflow/tfjs-core';
import { Generator, registerAdapter, useBackend } from '@descent/core';
import { assertKernelMatchesFallback } from '@descent/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { webgpuAdapter, webgpuOptimOps } from '@descent/backend-webgpu';
import type { Driver } from '@descent/backend-webgpu/testing';
import * as optim from '@descent/optim';
import { kernelCases, type KernelCase } from '@descent/optim/testing';
import { runParitySuite } from './parity-suite.js';

registerAdapter('webgpu', webgpuAdapter);

type Generate = KernelCase['generate'];

/**
 * kernelCases' inputs have 1 to 97 elements (1-D, or a matrix up to 13×13). From
 * `run >= from` on, each input that shares the first input's shape (not LAMB's
 * scalar divisor) is tiled into a random 2-D or 3-D shape of 256 to 70k elements
 * (a multiple of 4 on even runs) and jittered by a factor in [0.5, 1.5] (signs
 * kept, so second moments stay positive): several workgroups, the grid-stride
 * loops. Adafactor's factored op, whose factors have their own shapes, gets
 * FACTORED_SHAPES instead.
 */
function reshaped(op: KernelCase['op'], generate: Generate, from: number): Generate {
  if (op.name === 'AdafactorFactoredStep') return factoredShapes(generate, from);
  return (rng: Generator, run: number) => {
    const made = generate(rng, run);
    if (run < from) return made;
    const n = made.inputs[op.inputs[0]].size;
    // An even run's size is a multiple of 4 (the kernels' vec4 path); an odd run's need not be.
    const reps = (run % 2 === 0 ? 4 : 1) * Math.ceil((256 + rng.randint(70_000)) / n / (run % 2 === 0 ? 4 : 1));
    const seed = rng.randint(1 << 30);
    const inputs: Record<string, tf.Tensor> = {};
    for (const [name, t] of Object.entries(made.inputs)) {
      if (t.rank === 0) {
        inputs[name] = t;
        continue;
      }
      inputs[name] = tf.tidy(() => {
        const tiled = tf.tile(tf.reshape(t, [-1]), [reps]);
        const jitter = tf.randomUniform([reps * n], 0.5, 1.5, 'float32', seed);
        return tf.reshape(tf.mul(tiled, jitter), run % 2 === 0 ? [reps, n] : [reps, 1, n]);
      });
      t.dispose();
    }
    return { inputs, attrs: made.attrs };
  };
}

/**
 * [..., rows, cols] shapes for AdafactorFactoredStep's runs 64-71: past 65536
 * elements (300×257: the grid-stride loops go round), batches, and both sides of
 * the kernel's switches between an invocation and a workgroup per sum (rows of
 * 4096 columns and more, row factors of 64 rows and more).
 */
const FACTORED_SHAPES = [[300, 257], [3, 40, 130], [2, 2, 100, 9], [5000, 3], [8, 64, 64], [1, 63, 1000], [257, 1], [2, 3, 4099]];

/** From `run >= from` on, fresh inputs of FACTORED_SHAPES (param and grad normal, factors positive) with the run's attrs. */
function factoredShapes(generate: Generate, from: number): Generate {
  return (rng: Generator, run: number) => {
    const made = generate(rng, run);
    if (run < from) return made;
    const shape = FACTORED_SHAPES[(run - from) % FACTORED_SHAPES.length];
    const row = [...shape.slice(0, -1), 1];
    const col = [...shape.slice(0, -2), 1, shape[shape.length - 1]];
    const seed = () => rng.randint(1 << 30);
    const positive = (s: number[]) => tf.tidy(() => tf.add(tf.mul(tf.square(tf.randomNormal(s, 0, 1, 'float32', seed())), 0.01), 1e-4));
    const inputs = { param: tf.randomNormal(shape, 0, 1, 'float32', seed()), grad: tf.randomNormal(shape, 0, 1, 'float32', seed()), rowVar: positive(row), colVar: positive(col) };
    tf.dispose(Object.values(made.inputs));
    return { inputs, attrs: made.attrs };
  };
}

/** Counts GPU dispatches (tfjs's and the kernels') while `fn` runs. */
async function countDispatches(fn: () => void | Promise<void>): Promise<number> {
  const proto = (globalThis as unknown as { GPUComputePassEncoder: { prototype: Record<string, (...a: unknown[]) => unknown> } }).GPUComputePassEncoder.prototype;
  const original = proto.dispatchWorkgroups;
  let count = 0;
  proto.dispatchWorkgroups = function (this: unknown, ...args: unknown[]) {
    count++;
    return original.apply(this, args);
  };
  try {
    await fn();
  } finally {
    proto.dispatchWorkgroups = original;
  }
  return count;
}

let n = 0;
function params(shapes: number[][]): tf.Variable[] {
  return shapes.map((shape, i) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = Float32Array.from({ length: size }, (_, j) => Math.sin(7 * j + i + 1));
    return tf.variable(tf.tensor(values, shape, 'float32'), true, `wgpu_${n++}`);
  });
}

function gradsFor(vars: tf.Variable[], step: number): tf.NamedTensorMap {
  const grads: tf.NamedTensorMap = {};
  vars.forEach((v, i) => (grads[v.name] = tf.tidy(() => tf.mul(tf.cos(tf.add(v, step + i)), 0.5))));
  return grads;
}

type Ctor = new (params: tf.Variable[], options: Record<string, unknown>) => optim.Optimizer<optim.BaseOptions>;

/** One optimizer per fused op (the option that selects it). */
const OPTIMIZERS: Array<[string, string, Record<string, unknown>]> = [
  ['SgdStep', 'SGD', { lr: 0.1, weightDecay: 0.01 }],
  ['SgdMomentumStep', 'SGD', { lr: 0.1, momentum: 0.9, nesterov: true }],
  ['AdamStep', 'Adam', { lr: 1e-3, weightDecay: 0.01 }],
  ['AdamStep', 'AdamW', { lr: 1e-3 }],
  ['AdamAmsgradStep', 'AdamW', { lr: 1e-3, amsgrad: true }],
  ['AdagradStep', 'Adagrad', { lr: 0.1 }],
  ['RmspropStep', 'RMSprop', { lr: 0.01 }],
  ['RmspropCenteredStep', 'RMSprop', { lr: 0.01, centered: true }],
  ['RmspropMomentumStep', 'RMSprop', { lr: 0.01, momentum: 0.5 }],
  ['RmspropCenteredMomentumStep', 'RMSprop', { lr: 0.01, centered: true, momentum: 0.5 }],
  ['AdadeltaStep', 'Adadelta', { lr: 1 }],
  ['AdamaxStep', 'Adamax', { lr: 2e-3 }],
  ['NadamStep', 'NAdam', { lr: 2e-3 }],
  ['RadamStep', 'RAdam', { lr: 1e-3 }],
  ['LionStep', 'Lion', { lr: 1e-4, weightDecay: 0.1 }],
  ['LambStep', 'Lamb', { lr: 1e-3, weightDecay: 0.01 }],
  // AdafactorStep for the 1-D parameter, AdafactorFactoredStep for the others.
  ['AdafactorFactoredStep', 'Adafactor', { lr: 1e-2, weightDecay: 0.01 }],
  ['MuonMomentum', 'Muon', { lr: 0.02 }],
  // t0 = 1e6: mu stays 1 (ax a copy); t0 = 0: mu < 1 from the second step on (the average).
  ['AsgdStep', 'ASGD', { lr: 0.01 }],
  ['AsgdStep', 'ASGD', { lr: 0.01, t0: 0, weightDecay: 0.01 }],
  ['RpropStep', 'Rprop', { lr: 0.01 }],
  ['ScheduleFreeAdamWStep', 'AdamWScheduleFree', { lr: 1e-3, weightDecay: 0.01 }],
  ['ScheduleFreeAdamWMomentumStep', 'AdamWScheduleFree', { lr: 1e-3, warmupSteps: 2, innerMomentum: 0.9 }],
];

/** The dispatches each kernel with reductions records per parameter (the elementwise ones record 1). */
const KERNEL_DISPATCHES: Record<string, number> = { AdafactorStep: 3, AdafactorFactoredStep: 5, MuonMomentum: 3, MuonApply: 1 };

export function webgpuOptimSuite(driver: Driver, driverLabel: string): void {
  describe(`@descent/optim on webgpu (${driverLabel})`, () => {
    beforeAll(async () => {
      await useBackend(webgpuAdapter);
      expect(webgpuAdapter.capabilities.info.driver).toBe(driverLabel);
      // Keep every op on the GPU: by default tfjs-webgpu runs small ops on CPU-resident data on the CPU.
      tf.env().set('WEBGPU_CPU_FORWARD', false);
    });

    it('the adapter registers a kernel for every optim op', () => {
      const names = kernelCases().map((c) => c.op.name);
      expect(names.length).toBe(23);
      expect([...webgpuOptimOps].sort()).toEqual([...names].sort());
      expect(webgpuAdapter.capabilities.fusedKernels).toEqual(expect.arrayContaining(names));
      for (const c of kernelCases()) expect(c.op.hasKernel('webgpu'), c.op.name).toBe(true);
    });

    describe('WGSL kernels equal their composite fallbacks', () => {
      for (const { op, generate } of kernelCases()) {
        it(op.name, async () => {
          // Runs 0-63 cover every flag combination kernelCases draws from the run
          // index, on 1-D inputs; runs 64-71 on larger 2-D and 3-D inputs.
          const report = await assertKernelMatchesFallback(op, { backend: 'webgpu', runs: 72, seed: 7, generate: reshaped(op, generate, 64) });
          expect(report.runs).toBe(72);
          expect(report.mismatches).toEqual([]);
          expect(report.mutatedInputs).toEqual([]);
        });
      }
    });

    describe('one compute dispatch per parameter step, and no leaks', () => {
      for (const [opName, cls, options] of OPTIMIZERS) {
        it(`${cls} ${JSON.stringify(options)} (${opName})`, async () => {
          // Muon takes matrices only.
          const vars = params(cls === 'Muon' ? [[17, 9], [9, 40]] : [[17, 9], [9], [3, 4, 5]]);
          const Cls = (optim as unknown as Record<string, Ctor>)[cls];
          const opt = new Cls(vars, { ...options, fused: true });
          // Schedule-free AdamW starts in eval mode, as its reference does.
          (opt as unknown as { train?: () => void }).train?.();
          const grads = [0, 1, 2, 3, 4].map((s) => gradsFor(vars, s));
          // Warm-up: state creation and pipeline compilation.
          opt.step(grads[0]);
          opt.step(grads[1]);
          await vars[0].data();
          const before = tf.memory() as tf.MemoryInfo & { numBytesInGPU: number };
          const dispatches = await countDispatches(() => opt.step(grads[2]));
          opt.step(grads[3]);
          opt.step(grads[4]);
          await Promise.all(vars.map((v) => v.data()));
          const after = tf.memory() as tf.MemoryInfo & { numBytesInGPU: number };
          expect(after.numTensors).toBe(before.numTensors);
          expect(after.numDataBuffers).toBe(before.numDataBuffers);
          expect(after.numBytesInGPU).toBe(before.numBytesInGPU);
          if (opName === 'LambStep') {
            // Three per parameter (moments and norms' partial sums, their totals, the trust-ratio
            // update), plus the tfjs ops of the global gradient norm LAMB computes once per step.
            expect(dispatches).toBeGreaterThanOrEqual(3 * vars.length);
          } else if (cls === 'Adafactor') {
            // Rank ≥ 2 factored, the 1-D parameter not.
            expect(dispatches).toBe(vars.reduce((sum, v) => sum + KERNEL_DISPATCHES[v.rank >= 2 ? 'AdafactorFactoredStep' : 'AdafactorStep'], 0));
          } else if (cls === 'Muon') {
            // Momentum and norm, and the apply, per parameter, around Newton-Schulz's tfjs matmuls.
            expect(dispatches).toBeGreaterThan((KERNEL_DISPATCHES.MuonMomentum + KERNEL_DISPATCHES.MuonApply) * vars.length);
          } else {
            expect(dispatches).toBe(vars.length);
          }
          for (const v of vars) expect((await v.data()).every(Number.isFinite)).toBe(true);
          opt.dispose();
          tf.dispose([...vars, ...grads.flatMap((g) => Object.values(g))]);
        });
      }

      it('Adafactor and Muon kernels: their dispatch counts, 1-D and batched factors alike', async () => {
        const rng = new Generator(5);
        for (const c of kernelCases().filter((k) => k.op.name.startsWith('Adafactor') || k.op.name.startsWith('Muon'))) {
          // Run 16 sets bit 4: a scalar AdafactorStep, a batch of matrices for the factored one.
          for (const run of [0, 16]) {
            const { inputs, attrs } = c.generate(rng, run);
            let out: Record<string, tf.Tensor> = {};
            const count = await countDispatches(() => {
              out = c.op(inputs, attrs);
            });
            expect(count, `${c.op.name} run ${run}`).toBe(KERNEL_DISPATCHES[c.op.name]);
            tf.dispose([...Object.values(out), ...Object.values(inputs)]);
          }
        }
      });

      it('LambStep: three dispatches with the trust ratio (update and partial sums, totals, apply), one without', async () => {
        const rng = new Generator(3);
        const lamb = kernelCases().find((c) => c.op.name === 'LambStep')!;
        // kernelCases' LAMB run bits: 2 = no weight decay, 4 = alwaysAdapt.
        for (const [run, want] of [[0, 3], [20, 3], [4, 1]] as const) {
          const { inputs, attrs } = lamb.generate(rng, run);
          expect(attrs.adapt).toBe(want === 3);
          let out: Record<string, tf.Tensor> = {};
          const count = await countDispatches(() => {
            out = lamb.op(inputs, attrs);
          });
          expect(count).toBe(want);
          tf.dispose([...Object.values(out), ...Object.values(inputs)]);
        }
      });
    });

    // Kernels (fused: true fails without one) and the composite fallback, on the GPU.
    runParitySuite('webgpu');
  });
}
