import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertKernelMatchesFallback } from '@descent/core/testing';
import { registerCpuFusedKernels } from '@descent/core';
import { GradScaler, ampUnscale, type GradScalerOptions } from '../src/index.js';
import { TestSgd, cpu } from './setup.js';

interface Step {
  found_inf: boolean;
  scaleBefore: number;
  invScale: number;
  grads?: number[];
  unscaled?: number[];
  scaledLoss?: number;
  newScale?: number;
  scaleAfter: number;
  growthTrackerAfter: number;
}
// The fixture writes non-finite floats as strings.
const nonFinite: Record<string, number> = { Infinity: Infinity, '-Infinity': -Infinity, NaN: NaN };
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'grad-scaler.json'), 'utf8'), (_k, v) =>
  typeof v === 'string' && v in nonFinite ? nonFinite[v] : v,
) as {
  sequences: { name: string; options: GradScalerOptions; steps: Step[] }[];
};

beforeAll(cpu);

const same = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).every((v, i) => Object.is(v, b[i]));

describe.each(fixture.sequences)('GradScaler sequence: $name', (seq) => {
  it.each([false, true])('matches torch step by step (step called %s: async)', async (useAsync) => {
    const scaler = new GradScaler(seq.options);
    const w = tf.variable(tf.zeros([seq.steps[0].grads?.length ?? 1]), true, `w_${seq.name}_${useAsync}`);
    const opt = new TestSgd({ w: w }, 0.1);
    const before = tf.memory().numTensors;
    for (const [i, s] of seq.steps.entries()) {
      expect(scaler.getScale(), `step ${i} scale`).toBe(s.scaleBefore);
      const raw = s.grads ?? [s.found_inf ? Infinity : 1];
      const grads = { w: tf.tensor1d(raw) };
      if (s.scaledLoss !== undefined) {
        const raw = tf.scalar(1.5);
        const loss = scaler.scale(raw);
        expect(loss.dataSync()[0]).toBe(s.scaledLoss);
        tf.dispose([raw, loss]);
      }
      let stepped: boolean;
      if (s.unscaled) {
        const unscaled = scaler.unscale(opt, grads);
        expect(same(unscaled.w.dataSync(), s.unscaled), `step ${i}: ${unscaled.w.dataSync()} vs ${s.unscaled}`).toBe(true);
        stepped = useAsync ? await scaler.step(opt, unscaled) : scaler.stepSync(opt, unscaled);
        tf.dispose(unscaled);
      } else {
        stepped = useAsync ? await scaler.step(opt, grads) : scaler.stepSync(opt, grads);
      }
      expect(stepped, `step ${i} stepped`).toBe(!s.found_inf);
      tf.dispose(grads);
      scaler.update(s.newScale);
      expect(scaler.getScale(), `step ${i} scale after`).toBe(s.scaleAfter);
      expect(scaler.getGrowthTracker(), `step ${i} tracker after`).toBe(s.growthTrackerAfter);
    }
    expect(opt.steps).toBe(seq.steps.filter((s) => !s.found_inf).length);
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
  });
});

describe('GradScaler', () => {
  it('has torch defaults and passes through when disabled', async () => {
    const s = new GradScaler();
    expect(s.getScale()).toBe(65536);
    expect([s.getGrowthFactor(), s.getBackoffFactor(), s.getGrowthInterval(), s.isEnabled()]).toEqual([2, 0.5, 2000, true]);
    const off = new GradScaler({ enabled: false });
    const loss = tf.scalar(3);
    expect(off.scale(loss)).toBe(loss);
    expect(off.getScale()).toBe(1);
    const opt = new TestSgd({}, 0.1);
    const grads = { w: tf.tensor1d([Infinity]) };
    expect(off.unscale(opt, grads)).toBe(grads);
    expect(await off.step(opt, grads)).toBe(true);
    off.update();
    expect(off.stateDict()).toEqual({});
    tf.dispose([loss, grads.w]);
  });

  it('errors like torch on a second unscale, unscale after step, and a second step', async () => {
    const s = new GradScaler();
    const opt = new TestSgd({}, 0.1);
    const g = { w: tf.tensor1d([1, 2]) };
    const u = s.unscale(opt, g);
    expect(() => s.unscale(opt, g)).toThrow('unscale() has already been called on this optimizer since the last update().');
    expect(await s.step(opt, u)).toBe(true);
    expect(() => s.unscale(opt, g)).toThrow('unscale() is being called after step().');
    await expect(s.step(opt, u)).rejects.toThrow('step() has already been called since the last update().');
    s.update();
    // A new step after update() is fine again.
    expect(s.stepSync(opt, g)).toBe(true);
    s.update();
    expect(() => s.update()).toThrow('No inf checks were recorded prior to update().');
    tf.dispose([g.w, ...Object.values(u)]);
  });

  it('validates options, naming the parameter and its value', () => {
    expect(() => new GradScaler({ growthFactor: 1 })).toThrow('The growth factor must be > 1.0. Got 1');
    expect(() => new GradScaler({ backoffFactor: 1.5 })).toThrow('The backoff factor must be < 1.0. Got 1.5');
    expect(() => new GradScaler({ growthInterval: 0.5 })).toThrow('Invalid growthInterval: 0.5');
  });

  it('unscaled gradients reach the optimizer; the caller keeps its own tensors', async () => {
    const w = tf.variable(tf.tensor1d([1, 1]), true, 'w_own');
    const opt = new TestSgd({ w }, 1, true);
    const s = new GradScaler({ initScale: 1024 });
    const grads = { w: tf.tensor1d([512, -2048]) };
    expect(await s.step(opt, grads)).toBe(true);
    expect(Array.from(opt.seen[0].w.dataSync())).toEqual([0.5, -2]);
    expect(Array.from(w.dataSync())).toEqual([0.5, 3]);
    expect(grads.w.isDisposed).toBe(false);
    tf.dispose([grads.w, w, opt.seen[0].w]);
  });

  it('tracks several optimizers; any overflow backs off', () => {
    const s = new GradScaler({ initScale: 8, growthInterval: 1 });
    const a = new TestSgd({}, 1);
    const b = new TestSgd({}, 1);
    const ok = { w: tf.tensor1d([1]) };
    const bad = { w: tf.tensor1d([NaN]) };
    expect(s.stepSync(a, ok)).toBe(true);
    expect(s.stepSync(b, bad)).toBe(false);
    s.update();
    expect(s.getScale()).toBe(4);
    expect(s.stepSync(a, ok)).toBe(true);
    s.update();
    expect(s.getScale()).toBe(8);
    tf.dispose([ok.w, bad.w]);
  });

  it('stateDict round-trips; loading an empty one errors as torch', () => {
    const s = new GradScaler({ initScale: 100, growthInterval: 3 });
    const opt = new TestSgd({}, 1);
    const g = { w: tf.tensor1d([1]) };
    s.stepSync(opt, g);
    s.update();
    const state = s.stateDict();
    expect(state).toEqual({ scale: 100, growthFactor: 2, backoffFactor: 0.5, growthInterval: 3, growthTracker: 1 });
    const t = new GradScaler();
    t.loadStateDict(JSON.parse(JSON.stringify(state)));
    expect(t.stateDict()).toEqual(state);
    expect(() => t.loadStateDict({})).toThrow(/The source state dict is empty/);
    g.w.dispose();
  });
});

describe('AmpUnscale fused op', () => {
  it('the cpu kernel equals the composite fallback, inf/NaN included', async () => {
    registerCpuFusedKernels();
    expect(ampUnscale.hasKernel('cpu')).toBe(true);
    const report = await assertKernelMatchesFallback(ampUnscale, {
      runs: 40,
      rtol: 0,
      atol: 0,
      generate: (rng, run) => {
        const n = 1 + rng.randint(300);
        const data = new Float32Array(n);
        for (let i = 0; i < n; i++) data[i] = rng.normal() * 10 ** (rng.randint(12) - 6);
        if (run % 3 === 1) data[rng.randint(n)] = [Infinity, -Infinity, NaN][run % 9 === 1 ? 0 : run % 9 === 4 ? 1 : 2];
        const invScale = [1 / 65536, 1, 2 ** -24, 1 / 3, 1e-30][run % 5];
        return { inputs: { grad: tf.tensor(data) }, attrs: { invScale } };
      },
    });
    expect(report.runs).toBe(40);
    expect(report.mismatches).toEqual([]);
  });

  it('flags exactly the tensors with inf or NaN', () => {
    registerCpuFusedKernels();
    for (const [values, flag] of [
      [[1, 2, 3], 0],
      [[1, NaN], 1],
      [[-Infinity], 1],
      [[3.4e38, -3.4e38], 0],
    ] as const) {
      for (const run of [ampUnscale, ampUnscale.fallback]) {
        const { unscaled, nonFinite } = run({ grad: tf.tensor1d([...values]) }, { invScale: 0.5 });
        expect(nonFinite.shape).toEqual([]);
        expect(nonFinite.dataSync()[0]).toBe(flag);
        expect(unscaled.shape).toEqual([values.length]);
        tf.dispose([unscaled, nonFinite]);
      }
    }
  });
});
