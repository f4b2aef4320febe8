// Pure schedules: class and functional forms agree, values stay in their bounds (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as L from '../src/index.js';

const quiet = () => L.setWarningHandler(() => {});
const opt = (lr: number) => ({ paramGroups: [{ lr }, { lr: lr / 2 }] });

/** lrs of a class scheduler over `n` epochs (epoch 0 included). */
function run(s: L.Scheduler, n: number): number[][] {
  const out = [s.getLastLr()];
  for (let i = 1; i < n; i++) (s.step(), out.push(s.getLastLr()));
  return out;
}

const close = (a: number, b: number, rel = 1e-9) => Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b)) + 1e-15;

const lr = fc.double({ min: 1e-5, max: 10, noNaN: true });

describe('functional and class forms agree', () => {
  quiet();
  it('CosineAnnealingLR = cosineDecaySchedule', () => {
    fc.assert(
      fc.property(lr, fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 0.9, noNaN: true }), (base, tMax, a) => {
        const s = run(new L.CosineAnnealingLR(opt(base), { tMax, etaMin: a * base }), tMax + 1);
        const f = L.cosineDecaySchedule({ initValue: base, decaySteps: tMax, alpha: a });
        return s.every((row, k) => close(row[0]!, f(k), 1e-8));
      }),
      { numRuns: 60 },
    );
  });

  it('ExponentialLR = exponentialDecaySchedule; StepLR = its staircase', () => {
    fc.assert(
      fc.property(lr, fc.double({ min: 0.5, max: 1, noNaN: true }), fc.integer({ min: 1, max: 9 }), (base, gamma, stepSize) => {
        const e = run(new L.ExponentialLR(opt(base), { gamma }), 50);
        const fe = L.exponentialDecaySchedule({ initValue: base, transitionSteps: 1, decayRate: gamma });
        const st = run(new L.StepLR(opt(base), { stepSize, gamma }), 50);
        const fs = L.exponentialDecaySchedule({ initValue: base, transitionSteps: stepSize, decayRate: gamma, staircase: true });
        return e.every((r, k) => close(r[0]!, fe(k))) && st.every((r, k) => close(r[0]!, fs(k)));
      }),
      { numRuns: 60 },
    );
  });

  it('MultiStepLR = piecewiseConstantSchedule; LinearLR and PolynomialLR = their schedules', () => {
    fc.assert(
      fc.property(lr, fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 30 }), (base, ms, t) => {
        const m = run(new L.MultiStepLR(opt(base), { milestones: ms, gamma: 0.5 }), 45);
        const fm = L.piecewiseConstantSchedule(base, Object.fromEntries(ms.map((x) => [x, 0.5])));
        const lin = run(new L.LinearLR(opt(base), { startFactor: 0.25, endFactor: 1, totalIters: t }), 45);
        const fl = L.linearSchedule({ initValue: 0.25 * base, endValue: base, transitionSteps: t });
        const p = run(new L.PolynomialLR(opt(base), { totalIters: t, power: 2 }), 45);
        const fp = L.polynomialSchedule({ initValue: base, endValue: 0, power: 2, transitionSteps: t });
        return m.every((r, k) => close(r[0]!, fm(k))) && lin.every((r, k) => close(r[0]!, fl(k), 1e-8)) && p.every((r, k) => close(r[0]!, fp(k), 1e-8));
      }),
      { numRuns: 60 },
    );
  });

  it('getCosineScheduleWithWarmup = withWarmup(cosineDecaySchedule)', () => {
    fc.assert(
      fc.property(lr, fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 60 }), (base, w, d) => {
        const s = run(L.getCosineScheduleWithWarmup(opt(base), { numWarmupSteps: w, numTrainingSteps: w + d }), w + d + 1);
        const f = L.withWarmup(L.cosineDecaySchedule({ initValue: base, decaySteps: d }), { warmupSteps: w });
        return s.every((r, k) => close(r[0]!, f(k)));
      }),
      { numRuns: 60 },
    );
  });

  it('ScheduleLR steps exactly through any schedule, absolute or relative', () => {
    const f = L.warmupCosineDecaySchedule({ peakValue: 0.3, warmupSteps: 5, decaySteps: 40, endValue: 0.01 });
    const s = run(new L.ScheduleLR(opt(0.1), { schedule: f }), 45);
    s.forEach((r, k) => expect(r).toEqual([f(k), f(k)]));
    const rel = run(new L.ScheduleLR(opt(0.1), { schedule: (k) => 0.9 ** k, scale: 'relative' }), 10);
    rel.forEach((r, k) => expect(r).toEqual([0.1 * 0.9 ** k, 0.05 * 0.9 ** k]));
  });
});

describe('any param-group field can be scheduled (timm style)', () => {
  it('StepLR on weightDecay, ScheduleLR on momentum, lr untouched', () => {
    const o = { paramGroups: [{ lr: 0.1, weightDecay: 0.01, momentum: 0.9 }] };
    const wd = new L.StepLR(o, { stepSize: 2, gamma: 0.5, field: 'weightDecay' });
    const mom = new L.ScheduleLR(o, { field: 'momentum', schedule: L.linearSchedule({ initValue: 0.85, endValue: 0.95, transitionSteps: 4 }) });
    for (let i = 0; i < 4; i++) (wd.step(), mom.step());
    expect(o.paramGroups[0]).toMatchObject({ lr: 0.1, weightDecay: 0.0025, initialWeightDecay: 0.01, momentum: 0.95 });
    expect(wd.getLastLr()).toEqual([0.0025]);
  });
});

describe('lrs stay within documented bounds', () => {
  quiet();
  const within = (v: number, lo: number, hi: number) => v >= lo * (1 - 1e-12) - 1e-15 && v <= hi * (1 + 1e-12) + 1e-15;

  it('CosineAnnealingLR in [etaMin, base]; WarmRestarts too', () => {
    fc.assert(
      fc.property(lr, fc.integer({ min: 1, max: 30 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 3 }), (base, t, a, mult) => {
        const eta = a * base * 0.5;
        const c = run(new L.CosineAnnealingLR(opt(base), { tMax: t, etaMin: eta }), 4 * t + 3);
        const w = run(new L.CosineAnnealingWarmRestarts(opt(base), { t0: t, tMult: mult, etaMin: eta }), 4 * t + 3);
        return [...c, ...w].every((r) => within(r[0]!, eta, base));
      }),
      { numRuns: 60 },
    );
  });

  it('CyclicLR in [baseLr, maxLr], its momentum in [baseMomentum, maxMomentum]', () => {
    fc.assert(
      fc.property(lr, fc.double({ min: 1.01, max: 10, noNaN: true }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 10 }), fc.constantFrom('triangular', 'triangular2', 'exp_range'), (base, k, up, down, mode) => {
        const o = { paramGroups: [{ lr: 1, momentum: 0.9 }] };
        const s = new L.CyclicLR(o, { baseLr: base, maxLr: base * k, stepSizeUp: up, stepSizeDown: down, mode: mode as L.CyclicMode, gamma: 0.99 });
        for (let i = 0; i < 60; i++) {
          s.step();
          if (!within(o.paramGroups[0]!.lr, base, base * k) || !within(o.paramGroups[0]!.momentum, 0.8, 0.9)) return false;
        }
        return true;
      }),
      { numRuns: 60 },
    );
  });

  it('OneCycleLR in [maxLr / divFactor / finalDivFactor, maxLr] for all totalSteps steps', () => {
    fc.assert(
      fc.property(lr, fc.integer({ min: 8, max: 200 }), fc.double({ min: 0.1, max: 0.9, noNaN: true }), fc.boolean(), fc.constantFrom('cos', 'linear'), (max, total, pct, three, anneal) => {
        const o = { paramGroups: [{ lr: 1, momentum: 0.9 }] };
        const s = new L.OneCycleLR(o, { maxLr: max, totalSteps: total, pctStart: pct, threePhase: three, annealStrategy: anneal as 'cos' });
        for (let i = 0; i < total - 1; i++) {
          s.step();
          if (!within(o.paramGroups[0]!.lr, max / 25 / 1e4, max) || !within(o.paramGroups[0]!.momentum, 0.85, 0.95)) return false;
        }
        return true;
      }),
      { numRuns: 60 },
    );
  });

  it('HF warmup schedules in [0, base]; ReduceLROnPlateau never below minLr nor above the start', () => {
    fc.assert(
      fc.property(lr, fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 60 }), fc.array(fc.double({ noNaN: false }), { minLength: 1, maxLength: 60 }), (base, w, d, metrics) => {
        const scheds = [
          L.getLinearScheduleWithWarmup(opt(base), { numWarmupSteps: w, numTrainingSteps: w + d }),
          L.getCosineScheduleWithWarmup(opt(base), { numWarmupSteps: w, numTrainingSteps: w + d }),
          L.getCosineWithHardRestartsScheduleWithWarmup(opt(base), { numWarmupSteps: w, numTrainingSteps: w + d, numCycles: 3 }),
          L.getWsdSchedule(opt(base), { numWarmupSteps: w, numDecaySteps: d, numStableSteps: 5, decayType: '1-sqrt' }),
        ];
        const ok = scheds.every((s) => run(s, w + d + 10).every((r) => within(r[0]!, 0, base)));
        const o = opt(base);
        const p = new L.ReduceLROnPlateau(o, { patience: 0, minLr: base / 100 });
        return ok && metrics.every((m) => (p.step(m), within(o.paramGroups[0]!.lr, base / 100, base)));
      }),
      { numRuns: 60 },
    );
  });

  it('joinSchedules switches at the boundary and restarts the step count', () => {
    const f = L.joinSchedules([L.constantSchedule(1), (k) => 10 + k, L.constantSchedule(3)], [5, 8]);
    expect([0, 4, 5, 6, 7, 8, 100].map(f)).toEqual([1, 1, 10, 11, 12, 3, 3]);
    expect(() => L.joinSchedules([L.constantSchedule(1)], [3])).toThrow(/boundaries must be 0 increasing integers/);
  });
});

describe('step() is O(1)', () => {
  it('a million steps of CosineAnnealingLR keep the state the same size', () => {
    const s = new L.CosineAnnealingLR(opt(0.1), { tMax: 1000 });
    // Same keys, same array lengths: nothing accumulates per step.
    const shape = (st: Record<string, unknown>) => Object.entries(st).map(([k, v]) => [k, Array.isArray(v) ? v.length : typeof v]);
    const before = shape(s.stateDict());
    for (let i = 0; i < 1e6; i++) s.step();
    expect(shape(s.stateDict())).toEqual(before);
    expect(s.lastEpoch).toBe(1e6);
  });
});
