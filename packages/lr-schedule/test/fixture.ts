// Shared harness for the torch fixtures written by tools/gen_lr_fixtures.py.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import * as L from '../src/index.js';

export interface GroupSpec {
  lr: number;
  momentum?: number;
  betas?: number[];
}
export interface CaseSpec {
  name: string;
  scheduler: string;
  options: Record<string, unknown>;
  optimizer: { kind: 'sgd' | 'adam'; defaults: Record<string, number>; groups: GroupSpec[] };
  steps: number;
  checkpointAt: number;
  track?: 'momentum' | 'betas';
  metrics?: number[];
  epochs?: number[];
}
type Series = { lr: number[][]; momentum?: number[][]; beta1?: number[][] };
export interface FixtureCase extends CaseSpec {
  expected: Series;
  checkpoint: { state: Record<string, unknown>; resumed: Series };
}

const NONFINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

export function loadFixture(family: string): FixtureCase[] {
  const text = readFileSync(join(import.meta.dirname, 'fixtures', `${family}.json`), 'utf8');
  return JSON.parse(text, (_k, v) => (typeof v === 'string' && v in NONFINITE ? NONFINITE[v] : v)).cases;
}

/** JSON round trip that keeps non-finite numbers, as a checkpoint file would. */
export function jsonRoundTrip<T>(value: T): T {
  const text = JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? { $number: String(v) } : v));
  return JSON.parse(text, (_k, v) => (v && typeof v === 'object' && '$number' in v ? Number(v.$number) : v));
}

export interface MockOptimizer extends L.OptimizerLike {
  paramGroups: L.ParamGroup[];
  steps: number;
  step(): void;
}

export function makeOptimizer(spec: CaseSpec['optimizer']): MockOptimizer {
  return {
    paramGroups: spec.groups.map((g) => ({ ...g, ...(g.betas ? { betas: [...g.betas] } : {}) })),
    defaults: { ...spec.defaults },
    steps: 0,
    step() {
      this.steps += 1;
    },
  };
}

// The functions named in the fixture script, re-declared.
export const LAMBDAS: Record<string, L.LrLambda> = {
  pow095: (e) => 0.95 ** e,
  invFloor10: (e) => 1.0 / (1 + Math.floor(e / 10)),
  warmupInvSqrt: (e) => (e < 5 ? (e + 1) / 5 : 1 / Math.sqrt(e - 3)),
  const095: () => 0.95,
  alternate: (e) => (e % 2 ? 0.9 : 1.02),
};
export const SCALE_FNS: Record<string, (x: number) => number> = {
  inverseLinear: (x) => 1 / (1 + 0.1 * x),
  halfPerCycle: (x) => 0.5 ** (x - 1),
};

type Spec = { scheduler: string; options?: Record<string, unknown> };

export function build(spec: Spec, opt: L.OptimizerLike): L.Scheduler {
  const o: Record<string, unknown> = { ...(spec.options ?? {}) };
  if (typeof o.lrLambda === 'string') o.lrLambda = LAMBDAS[o.lrLambda];
  else if (Array.isArray(o.lrLambda)) o.lrLambda = (o.lrLambda as string[]).map((n) => LAMBDAS[n]);
  if (typeof o.scaleFn === 'string') o.scaleFn = SCALE_FNS[o.scaleFn];
  if (spec.scheduler.startsWith('hf:')) {
    const fn = (L as unknown as Record<string, (opt: L.OptimizerLike, o: object) => L.Scheduler>)[spec.scheduler.slice(3)]!;
    return fn(opt, o);
  }
  if (spec.scheduler === 'SequentialLR') {
    const children = (o.schedulers as Spec[]).map((c) => build(c, opt) as L.ChildScheduler);
    return new L.SequentialLR(opt, { schedulers: children, milestones: o.milestones as number[] });
  }
  if (spec.scheduler === 'ChainedScheduler') {
    return new L.ChainedScheduler((o.schedulers as Spec[]).map((c) => build(c, opt) as L.ChildScheduler));
  }
  const Ctor = (L as unknown as Record<string, new (opt: L.OptimizerLike, o: object) => L.Scheduler>)[spec.scheduler]!;
  return new Ctor(opt, o);
}

function record(c: CaseSpec, opt: MockOptimizer, s: L.Scheduler, into: Series): void {
  into.lr.push(s.getLastLr());
  if (c.track === 'momentum') (into.momentum ??= []).push(opt.paramGroups.map((g) => g.momentum as number));
  if (c.track === 'betas') (into.beta1 ??= []).push(opt.paramGroups.map((g) => g.betas![0]!));
}

export function advance(c: CaseSpec, opt: MockOptimizer, s: L.Scheduler, i: number): void {
  opt.step();
  if (c.metrics) s.step(c.metrics[i]);
  else if (c.epochs) s.step(c.epochs[i]);
  else s.step();
}

/** Relative difference, with an absolute floor for values at or near 0. */
export function expectClose(actual: number[][], expected: number[][], label: string, rel = 1e-10): void {
  expect(actual.length, `${label}: number of steps`).toBe(expected.length);
  for (let k = 0; k < expected.length; k++) {
    for (let g = 0; g < expected[k]!.length; g++) {
      const a = actual[k]![g]!;
      const e = expected[k]![g]!;
      const tol = rel * Math.max(Math.abs(a), Math.abs(e)) + 1e-17;
      if (!(Math.abs(a - e) <= tol)) {
        expect.fail(`${label}: step ${k}, group ${g}: got ${a}, torch has ${e} (diff ${Math.abs(a - e)})`);
      }
    }
  }
}

function compareSeries(actual: Series, expected: Series, label: string): void {
  expectClose(actual.lr, expected.lr, `${label} lr`);
  if (expected.momentum) expectClose(actual.momentum!, expected.momentum, `${label} momentum`);
  if (expected.beta1) expectClose(actual.beta1!, expected.beta1, `${label} beta1`);
}

const STATE_KEYS = ['lastEpoch', 'baseLrs', 'lastLr', 'stepCount', 'best', 'numBadEpochs', 'cooldownCounter', 'tI', 'tCur'];

/** One `it` per case: parity with torch step by step, and a stateDict round trip mid-run. */
export function fixtureSuite(family: string): FixtureCase[] {
  const cases = loadFixture(family);
  for (const c of cases) {
    it(`${c.name}: matches torch for ${c.steps} steps`, () => {
      const warnings: string[] = [];
      const prev = L.setWarningHandler((m) => warnings.push(m));
      try {
        const opt = makeOptimizer(c.optimizer);
        const s = build(c, opt);
        const got: Series = { lr: [] };
        record(c, opt, s, got);
        for (let i = 0; i < c.steps; i++) {
          advance(c, opt, s, i);
          record(c, opt, s, got);
        }
        compareSeries(got, c.expected, c.name);
        // Correct use (optimizer.step() first) gives no warning, NaN metrics aside.
        expect(warnings.filter((w) => w !== L.NAN_METRIC_WARNING)).toEqual([]);
      } finally {
        L.setWarningHandler(prev);
      }
    });

    it(`${c.name}: resumes from stateDict at step ${c.checkpointAt}`, () => {
      const prev = L.setWarningHandler(() => {});
      try {
        const opt = makeOptimizer(c.optimizer);
        const s = build(c, opt);
        for (let i = 0; i < c.checkpointAt; i++) advance(c, opt, s, i);
        const state = jsonRoundTrip(s.stateDict());
        const groups = jsonRoundTrip(opt.paramGroups);
        for (const [k, v] of Object.entries(c.checkpoint.state)) {
          if (STATE_KEYS.includes(k) && k in state) {
            if (typeof v === 'number') expect(state[k], k).toBeCloseTo(v, 12);
            else expectClose([state[k] as number[]], [v as number[]], `state ${k}`);
          }
        }
        // torch's resume order: build fresh, then load the optimizer's and the scheduler's state.
        const opt2 = makeOptimizer(c.optimizer);
        const s2 = build(c, opt2);
        opt2.paramGroups.forEach((g, i) => Object.assign(g, groups[i]));
        s2.loadStateDict(state);
        const got: Series = { lr: [] };
        for (let i = c.checkpointAt; i < c.steps; i++) {
          advance(c, opt2, s2, i);
          record(c, opt2, s2, got);
        }
        compareSeries(got, c.checkpoint.resumed, `${c.name} (resumed)`);
      } finally {
        L.setWarningHandler(prev);
      }
    });
  }
  it(`${family}: every case has 2 param groups and at least 40 steps`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(2);
    for (const c of cases) {
      expect(c.optimizer.groups.length).toBe(2);
      expect(c.steps).toBeGreaterThanOrEqual(40);
    }
  });
  return cases;
}
