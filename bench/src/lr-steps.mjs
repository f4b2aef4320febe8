// 1e6 scheduler.step() calls per @descent/lr-schedule scheduler: time per step and
// heap growth, to show that step() is O(1) in time and memory however long the run.
import { machine, median, table, writeSection } from './_util.mjs';

// Imported by path: bench/package.json does not list @descent/lr-schedule.
const L = await import(new URL('../../packages/lr-schedule/dist/index.js', import.meta.url).href);
L.setWarningHandler(() => {});

const N = 1_000_000;
const sgd = () => ({ paramGroups: [{ lr: 0.1, momentum: 0.9 }, { lr: 0.05, momentum: 0.9 }], defaults: { lr: 0.1, momentum: 0.9 } });
const adam = () => ({ paramGroups: [{ lr: 0.01, betas: [0.9, 0.999] }, { lr: 0.002, betas: [0.9, 0.999] }], defaults: { lr: 0.01 } });

const cases = {
  LambdaLR: (o) => new L.LambdaLR(o, { lrLambda: (e) => 1 / (1 + e) }),
  MultiplicativeLR: (o) => new L.MultiplicativeLR(o, { lrLambda: () => 0.999999 }),
  StepLR: (o) => new L.StepLR(o, { stepSize: 1000, gamma: 0.9 }),
  MultiStepLR: (o) => new L.MultiStepLR(o, { milestones: [1e5, 5e5, 9e5] }),
  ConstantLR: (o) => new L.ConstantLR(o, { factor: 0.5, totalIters: 1000 }),
  LinearLR: (o) => new L.LinearLR(o, { totalIters: N }),
  ExponentialLR: (o) => new L.ExponentialLR(o, { gamma: 0.999999 }),
  PolynomialLR: (o) => new L.PolynomialLR(o, { totalIters: N, power: 2 }),
  CosineAnnealingLR: (o) => new L.CosineAnnealingLR(o, { tMax: N }),
  CosineAnnealingWarmRestarts: (o) => new L.CosineAnnealingWarmRestarts(o, { t0: 1000, tMult: 2 }),
  CyclicLR: (o) => new L.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 2000 }),
  'OneCycleLR (Adam betas)': () => new L.OneCycleLR(adam(), { maxLr: 0.01, totalSteps: N + 1 }),
  SequentialLR: (o) => new L.SequentialLR(o, { schedulers: [new L.LinearLR(o, { totalIters: 1000 }), new L.CosineAnnealingLR(o, { tMax: N })], milestones: [1000] }),
  ChainedScheduler: (o) => new L.ChainedScheduler([new L.ConstantLR(o, { totalIters: 1000 }), new L.ExponentialLR(o, { gamma: 0.999999 })]),
  ReduceLROnPlateau: (o) => new L.ReduceLROnPlateau(o, { patience: 100 }),
  'getCosineScheduleWithWarmup (HF)': (o) => L.getCosineScheduleWithWarmup(o, { numWarmupSteps: 1000, numTrainingSteps: N }),
  'getWsdSchedule (HF)': (o) => L.getWsdSchedule(o, { numWarmupSteps: 1000, numDecaySteps: 1e5, numTrainingSteps: N }),
  'ScheduleLR (warmupCosineDecaySchedule)': (o) => new L.ScheduleLR(o, { schedule: L.warmupCosineDecaySchedule({ peakValue: 0.1, warmupSteps: 1000, decaySteps: N }) }),
};

function once(make) {
  const s = make(sgd());
  const plateau = s instanceof L.ReduceLROnPlateau;
  globalThis.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  if (plateau) for (let i = 0; i < N; i++) s.step(1 / (1 + (i % 1000)));
  else for (let i = 0; i < N; i++) s.step();
  const ms = performance.now() - t0;
  globalThis.gc?.();
  const heap = process.memoryUsage().heapUsed - heap0;
  if (!Number.isFinite(s.getLastLr()[0])) throw new Error('non-finite lr');
  return { ms, heap };
}

const rows = [];
for (const [name, make] of Object.entries(cases)) {
  once(make); // warm-up
  const runs = [once(make), once(make), once(make)];
  const ms = median(runs.map((r) => r.ms));
  const heap = median(runs.map((r) => r.heap));
  rows.push({ name, ms, heap });
  console.log(name, ms.toFixed(1), 'ms');
}
const fastest = Math.min(...rows.map((r) => r.ms));
const md = `## LR schedulers: 1e6 steps each (@descent/lr-schedule)

Median of 3 runs of ${N.toLocaleString('en-US')} \`step()\` calls on an optimizer with 2 param groups
(after one warm-up run). Heap growth is measured across the run${globalThis.gc ? ' after forced GC' : ' (without --expose-gc, so it includes garbage not yet collected)'}:
it stays flat, so \`step()\` is O(1) in memory as well as in time.

${table(
  ['scheduler', 'ms / 1e6 steps', 'ns / step', 'vs fastest', 'heap growth'],
  rows.map((r) => [r.name, r.ms.toFixed(1), ((r.ms * 1e6) / N).toFixed(0), `${(r.ms / fastest).toFixed(2)}×`, `${(r.heap / 1024).toFixed(0)} KiB`]),
)}

Machine: ${machine()}. Run: \`node --expose-gc bench/src/lr-steps.mjs\`.`;
writeSection('lr-steps', md);
console.log(md);
