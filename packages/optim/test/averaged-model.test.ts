// AveragedModel against torch (tools/gen_swa_fixtures.py), plus its contract:
// no leaked tensor, swapping, state dicts, and the errors.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { AveragedModel, getEmaAvgFn, getEmaMultiAvgFn, getSwaAvgFn, getSwaMultiAvgFn, type AveragedModelOptions, type AveragedModelSource } from '../src/index.js';
import { PARITY_ATOL as ATOL, PARITY_RTOL as RTOL } from '../src/testing.js';
import { cpu, values, variable } from './setup.js';

beforeAll(cpu);

interface SwaCase {
  name: string;
  avgFn: 'getEmaAvgFn' | 'getEmaMultiAvgFn' | 'getSwaMultiAvgFn' | null;
  decay: number | null;
  useBuffers: boolean;
  tensors: Array<{ key: string; kind: 'parameter' | 'buffer'; dtype: 'float32' | 'int32'; shape: number[] }>;
  init: number[][];
  steps: number[][][];
  expected: number[][][];
  nAveraged: number[];
}

const fixtures = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'swa.json'), 'utf8')) as { torch: string; steps: number; cases: SwaCase[] };

function options(c: SwaCase): AveragedModelOptions {
  const decay = c.decay ?? undefined; // null: the helper's default
  if (c.avgFn === 'getEmaAvgFn') return { avgFn: getEmaAvgFn(decay), useBuffers: c.useBuffers };
  if (c.avgFn === 'getEmaMultiAvgFn') return { multiAvgFn: getEmaMultiAvgFn(decay), useBuffers: c.useBuffers };
  if (c.avgFn === 'getSwaMultiAvgFn') return { multiAvgFn: getSwaMultiAvgFn(), useBuffers: c.useBuffers };
  return { useBuffers: c.useBuffers };
}

let id = 0;

/** Matches an InvalidArgumentError naming `parameter` (and `value`, when given) whose message contains `message`. */
function invalid(parameter: string, message: string, ...value: unknown[]) {
  return expect.objectContaining({ name: 'InvalidArgumentError', parameter, message: expect.stringContaining(message), ...(value.length ? { value: value[0] } : {}) });
}

/** The fixture's model as variables, buffers non-trainable, and as the two source shapes AveragedModel takes. */
function fixtureModel(c: SwaCase) {
  const vars = c.tensors.map((t, i) => tf.variable(tf.tensor(c.init[i], t.shape, t.dtype), t.kind === 'parameter', `swa_${id++}/${t.key}`, t.dtype));
  const pairs = (kind: string) => c.tensors.flatMap((t, i): Array<[string, tf.Variable]> => (t.kind === kind ? [[t.key, vars[i]]] : []));
  // A Module-like object (namedParameters / namedBuffers), and a record in state-dict order (buffers between parameters).
  const moduleLike = { namedParameters: () => pairs('parameter'), namedBuffers: () => pairs('buffer') };
  const order = ['0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked', '2.weight', '2.bias'];
  const record = Object.fromEntries(order.map((k) => [k, vars[c.tensors.findIndex((t) => t.key === k)]]));
  return { vars, moduleLike, record };
}

function mismatches(got: ArrayLike<number>, want: number[], exact: boolean, where: string): string[] {
  if (got.length !== want.length) return [`${where}: ${got.length} values, torch ${want.length}`];
  for (let j = 0; j < want.length; j++) {
    const ok = exact ? got[j] === want[j] : Math.abs(got[j] - want[j]) <= ATOL + RTOL * Math.abs(want[j]);
    if (!ok) return [`${where}[${j}]: got ${got[j]}, torch ${want[j]}`];
  }
  return [];
}

describe(`AveragedModel matches torch ${fixtures.torch}'s swa_utils.AveragedModel`, () => {
  it('the fixtures cover the default, every helper, with and without useBuffers, and truncated integer averages', () => {
    expect(new Set(fixtures.cases.map((c) => c.avgFn))).toEqual(new Set([null, 'getEmaAvgFn', 'getEmaMultiAvgFn', 'getSwaMultiAvgFn']));
    const averagedCounter = fixtures.cases.find((c) => c.name === 'swa_use_buffers')!;
    const k = averagedCounter.tensors.findIndex((t) => t.dtype === 'int32');
    // The average of the counter lags behind the counter itself.
    expect(averagedCounter.expected.at(-1)![k][0]).toBeLessThan(averagedCounter.steps.at(-1)![k][0]);
  });

  for (const c of fixtures.cases) {
    for (const form of ['moduleLike', 'record'] as const) {
      it(`${c.name} (${form}): ${c.steps.length} updates`, async () => {
        const { vars, ...sources } = fixtureModel(c);
        const model: AveragedModelSource = sources[form];
        const avg = new AveragedModel(model, options(c));
        const problems: string[] = [];
        for (let s = 0; s < c.steps.length && problems.length === 0; s++) {
          c.steps[s].forEach((v, i) => vars[i].assign(tf.tensor(v, c.tensors[i].shape, c.tensors[i].dtype)));
          avg.updateParameters(model);
          if (avg.nAveraged !== c.nAveraged[s]) problems.push(`step ${s + 1}: nAveraged ${avg.nAveraged}, torch ${c.nAveraged[s]}`);
          const got = new Map(avg.namedTensors());
          for (let i = 0; i < c.tensors.length; i++) {
            const t = c.tensors[i];
            const v = got.get(t.key)!;
            expect(v.dtype).toBe(t.dtype);
            problems.push(...mismatches(await v.data(), c.expected[s][i], t.dtype === 'int32', `step ${s + 1} ${t.key}`));
          }
        }
        expect(problems).toEqual([]);
        expect(avg.namedParameters().map(([k]) => k)).toEqual(c.tensors.filter((t) => t.kind === 'parameter').map((t) => t.key));
        expect(avg.namedBuffers().map(([k]) => k)).toEqual(c.tensors.filter((t) => t.kind === 'buffer').map((t) => t.key));
        avg.dispose();
        tf.dispose(vars);
      });
    }
  }
});

describe('averaging functions', () => {
  const run = async (t: tf.Tensor) => Array.from(await t.data());

  it('getSwaMultiAvgFn (lerp, on both sides of its weight-0.5 switch) agrees with getSwaAvgFn', async () => {
    const a = tf.tensor([1, -2, 3.5]);
    const p = tf.tensor([2, 5, -1.5]);
    for (const n of [1, 2, 5]) {
      // n = 1 is weight 0.5: lerp's `end − (end − start)(1 − w)` branch.
      const lerped = await run(getSwaMultiAvgFn()([a], [p], n)[0]);
      const mean = await run(getSwaAvgFn()(a, p, n));
      lerped.forEach((v, i) => expect(v).toBeCloseTo(mean[i], 6));
    }
    tf.dispose([a, p]);
  });

  it('decay 1 keeps the average, decay 0 takes the current values', async () => {
    const a = tf.tensor([1, 2]);
    const p = tf.tensor([3, 7]);
    expect(await run(getEmaAvgFn(1)(a, p, 3))).toEqual([1, 2]);
    expect(await run(getEmaMultiAvgFn(0)([a], [p], 3)[0])).toEqual([3, 7]);
    tf.dispose([a, p]);
  });

  it('a decay outside [0, 1] is an error naming decay and the value', () => {
    for (const bad of [1.5, -0.1, Number.NaN, '0.9' as unknown as number]) {
      for (const make of [getEmaAvgFn, getEmaMultiAvgFn]) expect(() => make(bad)).toThrow(invalid('decay', 'Please provide a value in [0,1] range', bad));
    }
    expect(() => getEmaAvgFn(1.5)).toThrow('Invalid decay value 1.5 provided.');
  });
});

describe('AveragedModel', () => {
  function model() {
    const w = variable(values(6, 1), [2, 3], 'w');
    const b = variable(values(3, 2), [3], 'b');
    const count = tf.variable(tf.scalar(4, 'int32'), false, `count_${id++}`, 'int32');
    const flag = tf.variable(tf.tensor([true, false], [2], 'bool'), false, `flag_${id++}`, 'bool');
    return { w, b, count, flag, all: [w, b, count, flag] };
  }

  it('tf.memory().numTensors stays flat across updateParameters, for every way of averaging', () => {
    const cases: AveragedModelOptions[] = [
      {},
      { useBuffers: true },
      { avgFn: getEmaAvgFn(0.9), useBuffers: true },
      { multiAvgFn: getEmaMultiAvgFn(0.9), useBuffers: true },
      { multiAvgFn: getSwaMultiAvgFn() },
    ];
    for (const opts of cases) {
      const m = model();
      const before = tf.memory().numTensors;
      const avg = new AveragedModel({ w: m.w, b: m.b, count: m.count, flag: m.flag }, opts);
      const held = tf.memory().numTensors;
      expect(held).toBe(before + 4); // one variable per tensor
      for (let i = 0; i < 6; i++) {
        tf.tidy(() => {
          m.w.assign(tf.add(m.w, 0.5));
          m.count.assign(tf.add(m.count, tf.scalar(3, 'int32')));
        });
        avg.updateParameters();
        expect(tf.memory().numTensors).toBe(held);
      }
      avg.swapIn();
      avg.swapOut();
      expect(tf.memory().numTensors).toBe(held);
      avg.dispose();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(m.all);
    }
  });

  it('copies buffers without useBuffers, averages them with it (integers truncated, bools copied)', async () => {
    for (const useBuffers of [false, true]) {
      const m = model();
      const avg = new AveragedModel([m.w, m.b, m.count, m.flag], { useBuffers });
      avg.updateParameters(); // copies: count 4
      m.count.assign(tf.scalar(9, 'int32'));
      m.flag.assign(tf.tensor([false, true], [2], 'bool'));
      avg.updateParameters(); // mean: 4 + (9 − 4) / 2 = 6.5 → 6
      const got = new Map(avg.namedBuffers());
      expect(await got.get(m.count.name)!.data()).toEqual(Int32Array.of(useBuffers ? 6 : 9));
      expect(got.get(m.count.name)!.dtype).toBe('int32');
      expect(Array.from(await got.get(m.flag.name)!.data())).toEqual([0, 1]);
      avg.dispose();
      tf.dispose(m.all);
    }
  });

  it('truncates averaged negative integers toward zero, as torch copy_ does', async () => {
    const c = tf.variable(tf.tensor([-3, 3], [2], 'int32'), false, `c_${id++}`, 'int32');
    const avg = new AveragedModel({ namedParameters: () => [], namedBuffers: () => [['c', c]] }, { useBuffers: true });
    avg.updateParameters();
    c.assign(tf.tensor([-6, 6], [2], 'int32'));
    avg.updateParameters(); // −4.5 → −4, 4.5 → 4
    expect(await avg.namedBuffers()[0][1].data()).toEqual(Int32Array.of(-4, 4));
    avg.dispose();
    c.dispose();
  });

  it('swapIn / swapOut put the average in and the own weights back; copyTo for good', async () => {
    const m = model();
    const avg = new AveragedModel({ w: m.w, b: m.b });
    avg.updateParameters();
    const first = Array.from(await m.w.data());
    m.w.assign(tf.add(m.w, 2));
    avg.updateParameters(); // the mean: first + 1
    const own = Array.from(await m.w.data());
    avg.swapIn();
    expect(avg.isSwappedIn).toBe(true);
    Array.from(await m.w.data()).forEach((v, i) => expect(v).toBeCloseTo(first[i] + 1, 5));
    avg.swapIn(); // a second swapIn keeps the first snapshot
    avg.swapOut();
    expect(avg.isSwappedIn).toBe(false);
    expect(Array.from(await m.w.data())).toEqual(own);
    avg.copyTo();
    Array.from(await m.w.data()).forEach((v, i) => expect(v).toBeCloseTo(first[i] + 1, 5));
    avg.dispose();
    tf.dispose(m.all);
  });

  it('updates from another model of the same structure, in order, as torch zips them', async () => {
    const a = model();
    const b = model();
    b.w.assign(tf.fill([2, 3], 10));
    const avg = new AveragedModel([a.w, a.b]);
    avg.updateParameters([b.w, b.b]);
    expect(Array.from(await avg.namedParameters()[0][1].data())).toEqual([10, 10, 10, 10, 10, 10]);
    expect(avg.namedParameters()[0][0]).toBe(a.w.name);
    avg.dispose();
    tf.dispose([...a.all, ...b.all]);
  });

  it('stateDict / loadStateDict round-trip the average and nAveraged, checking every entry', async () => {
    const m = model();
    const avg = new AveragedModel({ w: m.w, count: m.count }, { multiAvgFn: getEmaMultiAvgFn(0.5), useBuffers: true });
    avg.updateParameters();
    m.w.assign(tf.mul(m.w, 3));
    avg.updateParameters();
    const state = await avg.stateDict();
    expect(state.nAveraged).toBe(2);
    expect(Object.keys(state.tensors)).toEqual(['w', 'count']);
    const other = new AveragedModel({ w: m.w, count: m.count }, { multiAvgFn: getEmaMultiAvgFn(0.5), useBuffers: true });
    other.loadStateDict(state);
    expect(other.nAveraged).toBe(2);
    expect(await other.namedParameters()[0][1].data()).toEqual(state.tensors.w.data);
    expect(() => other.loadStateDict({ nAveraged: 1, tensors: { w: state.tensors.w } })).toThrow('entry "count" is missing');
    expect(() => other.loadStateDict({ ...state, tensors: { ...state.tensors, extra: state.tensors.w } })).toThrow('unexpected entries "extra"');
    expect(() => other.loadStateDict({ ...state, tensors: { ...state.tensors, w: { ...state.tensors.w, shape: [3, 2, 1] } } })).toThrow('entry "w" is float32 [3, 2, 1], the average is float32 [2, 3]');
    expect(() => other.loadStateDict({ ...state, nAveraged: -1 })).toThrow('Invalid nAveraged: -1');
    avg.dispose();
    other.dispose();
    tf.dispose(m.all);
  });

  it('rejects bad options and models with errors naming the parameter and the value', () => {
    const m = model();
    const expectError = (f: () => unknown, parameter: string, message: string) => expect(f).toThrow(invalid(parameter, message));
    expectError(() => new AveragedModel([m.w], { avgFn: getEmaAvgFn(), multiAvgFn: getEmaMultiAvgFn() }), 'multiAvgFn', 'Only one of avgFn and multiAvgFn should be provided');
    expectError(() => new AveragedModel([m.w], { avgFn: 0.9 as unknown as never }), 'avgFn', 'Invalid avgFn: 0.9');
    expectError(() => new AveragedModel([m.w], { useBuffers: 'yes' as unknown as boolean }), 'useBuffers', 'Invalid useBuffers: "yes"');
    expectError(() => new AveragedModel(42 as unknown as tf.Variable[]), 'model', 'Invalid model: 42');
    expectError(() => new AveragedModel({ w: m.w, lr: 0.1 } as unknown as tf.Variable[]), 'model.lr', 'model.lr must be a tf.Variable, got 0.1');
    expectError(() => new AveragedModel({}), 'model', 'no variables to average');
    expectError(() => new AveragedModel({ namedParameters: () => [['w', 3]] } as unknown as tf.Variable[]), 'model', 'must return [name, tf.Variable] pairs, got ["w", 3]');
    const avg = new AveragedModel({ w: m.w, b: m.b });
    const wrong = variable(values(4, 1), [4], 'wrong');
    expectError(() => avg.updateParameters({ w: wrong, b: m.b }), 'model', 'the model\'s parameter "w" (float32 [4]) does not match the average\'s parameter "w" (float32 [2, 3])');
    expectError(() => avg.updateParameters({ w: m.w }), 'model', 'the model has 1 parameters and buffers, the average 2');
    avg.updateParameters();
    const badMulti = new AveragedModel({ w: m.w, b: m.b }, { multiAvgFn: (a) => a.slice(1) });
    badMulti.updateParameters();
    expectError(() => badMulti.updateParameters(), 'multiAvgFn', 'multiAvgFn must return 2 tensors (one per averaged tensor), got 1');
    const badAvg = new AveragedModel({ w: m.w }, { avgFn: () => tf.zeros([5]) });
    badAvg.updateParameters();
    expectError(() => badAvg.updateParameters(), 'avgFn', 'avgFn returned a tensor of shape [5] for "w", expected a tensor of shape [2, 3]');
    expect(badAvg.nAveraged).toBe(1); // a failed update does not count
    [avg, badMulti, badAvg].forEach((a) => a.dispose());
    tf.dispose([...m.all, wrong]);
  });
});
