import * as tf from '@tensorflow/tfjs-core';
import { Generator, StateRecycler } from '@descent/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as optim from '../src/index.js';
import { kernelCases } from '../src/testing.js';
import { cpu, values, variable } from './setup.js';

beforeAll(cpu);

type Opt = optim.Optimizer<optim.BaseOptions>;

/** The cpu backend's own array behind `t` (what `dataSync()` returns on cpu). */
function arrayOf(t: tf.Tensor): Float32Array {
  return (tf.backend() as unknown as { data: { get(id: object): { values: Float32Array } } }).data.get(t.dataId).values;
}

/** The optimizer's state map, read without the public getter (which exposes what it hands out). */
function stateOf(opt: Opt, p: tf.Variable): optim.ParamState {
  return (opt as unknown as { states: Map<tf.Variable, optim.ParamState> }).states.get(p)!;
}

function stateArrays(opt: Opt, p: tf.Variable): Float32Array[] {
  return Object.values(stateOf(opt, p)).flatMap((v) => (v instanceof tf.Tensor ? [arrayOf(v)] : []));
}

const makers: Record<string, (vars: tf.Variable[]) => Opt> = {
  SGD: (v) => new optim.SGD(v, { lr: 0.05 }),
  'SGD nesterov': (v) => new optim.SGD(v, { lr: 0.05, momentum: 0.9, nesterov: true }),
  Adam: (v) => new optim.Adam(v, { lr: 0.01, weightDecay: 0.01 }),
  'Adam amsgrad maximize': (v) => new optim.Adam(v, { lr: 0.01, amsgrad: true, maximize: true }),
  AdamW: (v) => new optim.AdamW(v, { lr: 0.01 }),
  Lamb: (v) => new optim.Lamb(v, { lr: 0.01 }),
  Adagrad: (v) => new optim.Adagrad(v, { lrDecay: 0.01 }),
  'RMSprop centered momentum': (v) => new optim.RMSprop(v, { centered: true, momentum: 0.9 }),
  Adadelta: (v) => new optim.Adadelta(v),
  Adamax: (v) => new optim.Adamax(v),
  NAdam: (v) => new optim.NAdam(v),
  RAdam: (v) => new optim.RAdam(v),
  Lion: (v) => new optim.Lion(v, { lr: 1e-3, weightDecay: 0.1 }),
};

const owned: Array<{ dispose(): void }> = [];
afterEach(() => {
  for (const x of owned.splice(0)) x.dispose();
});

function setup(make: (vars: tf.Variable[]) => Opt = makers.Adam, n = 48) {
  const p = variable(values(n, 3), [n], 'p');
  const opt = make([p]);
  owned.push(p, opt);
  const step = (s: number) => {
    const g = tf.tensor(values(n, 50 + s), [n], 'float32');
    opt.step({ [p.name]: g });
    g.dispose();
  };
  return { p, opt, step };
}

describe('cpu kernels recycle the optimizer’s own old state arrays', () => {
  it('reuses them from the third step on, in new tensors', () => {
    const { p, opt, step } = setup();
    step(1);
    const first = stateArrays(opt, p);
    const firstTensor = stateOf(opt, p).expAvg as tf.Tensor;
    step(2);
    step(3);
    const now = [arrayOf(p), ...stateArrays(opt, p)];
    for (const a of first) expect(now).toContain(a);
    const t = stateOf(opt, p).expAvg as tf.Tensor;
    expect(t).not.toBe(firstTensor);
    expect(t.dataId).not.toBe(firstTensor.dataId);
  });

  for (const [name, make] of Object.entries(makers)) {
    it(`${name}: steps on recycled arrays equal steps on fresh ones, bit for bit`, () => {
      const recycled = setup(make, 37);
      const fresh = setup(make, 37);
      for (let s = 0; s < 7; s++) {
        recycled.step(s);
        fresh.step(s);
        void fresh.opt.state; // hands every state tensor out: none is ever recycled
      }
      expect(Array.from(recycled.p.dataSync())).toEqual(Array.from(fresh.p.dataSync()));
      const a = stateArrays(recycled.opt, recycled.p);
      const b = stateArrays(fresh.opt, fresh.p);
      expect(a.map((x) => Array.from(x))).toEqual(b.map((x) => Array.from(x)));
    });
  }

  it('never overwrites a dataSync() array of the parameter', () => {
    const { p, step } = setup();
    step(0);
    const held = p.dataSync();
    const copy = Float32Array.from(held);
    for (let s = 1; s < 6; s++) step(s);
    expect(Array.from(p.dataSync())).not.toEqual(Array.from(copy));
    expect(Array.from(held)).toEqual(Array.from(copy));
  });

  it('never overwrites state handed out by stateDict(), and recycles the state after it', () => {
    const { p, opt, step } = setup();
    step(0);
    step(1);
    const dict = opt.stateDict();
    const held = (dict.state[0].expAvg as tf.Tensor).dataSync();
    const heldSq = (dict.state[0].expAvgSq as tf.Tensor).dataSync();
    const copies = [Float32Array.from(held), Float32Array.from(heldSq)];
    for (let s = 2; s < 8; s++) step(s);
    expect(Array.from(held)).toEqual(Array.from(copies[0]));
    expect(Array.from(heldSq)).toEqual(Array.from(copies[1]));
    const later = stateArrays(opt, p); // never handed out: recycled again
    step(8);
    step(9);
    const seen = [arrayOf(p), ...stateArrays(opt, p)];
    for (const a of later) expect(seen).toContain(a);
    expect(seen).not.toContain(held);
    expect(seen).not.toContain(heldSq);
  });

  it('never overwrites state handed out by getWeights()', async () => {
    const { opt, step } = setup();
    step(0);
    step(1);
    const weights = await opt.getWeights();
    const held = weights.filter((w) => w.tensor.size > 1).map((w) => w.tensor.dataSync());
    expect(held.length).toBe(2);
    const copies = held.map((a) => Float32Array.from(a));
    weights[0].tensor.dispose(); // the iteration count is a new scalar
    for (let s = 2; s < 8; s++) step(s);
    held.forEach((a, i) => expect(Array.from(a)).toEqual(Array.from(copies[i])));
  });

  it('never overwrites state read through the state map, and recycles the state after it', () => {
    const { p, opt, step } = setup();
    step(0);
    const read = opt.state.get(p)!;
    const held = (read.expAvg as tf.Tensor).dataSync();
    const exposed = new Set([held, arrayOf(read.expAvgSq as tf.Tensor)]);
    const copy = Float32Array.from(held);
    const seen = new Set<Float32Array>();
    for (let s = 1; s < 6; s++) {
      step(s);
      for (const a of [arrayOf(p), ...stateArrays(opt, p)]) {
        expect(exposed.has(a)).toBe(false);
        seen.add(a);
      }
    }
    expect(Array.from(held)).toEqual(Array.from(copy));
    // Recycling goes on for the state nobody was handed: 5 steps use fewer than 5 × 3 arrays.
    expect(seen.size).toBeLessThan(15);
  });

  it('leaks no tensors', () => {
    const { step } = setup();
    step(0);
    step(1);
    const before = tf.memory().numTensors;
    for (let s = 2; s < 6; s++) step(s);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('StateRecycler', () => {
  const n = 16;
  const adamInputs = () => ({
    param: tf.tensor1d(values(n, 1)),
    grad: tf.tensor1d(values(n, 2)),
    expAvg: tf.tensor1d(values(n, 3)),
    expAvgSq: tf.tensor1d(values(n, 4).map((x) => x * x)),
  });
  const attrs = {
    maximize: false, weightDecay: 0, paramScale: 1, beta1: 0.9, oneMinusBeta1: 0.1, beta2: 0.999,
    oneMinusBeta2: 0.001, eps: 1e-8, stepSize: 0.01, biasCorrection2Sqrt: 0.05,
  };
  const run = (r: StateRecycler, inputs: Record<string, tf.Tensor>) =>
    r.run(() => optim.fusedOps.adamStep(inputs as never, attrs) as Record<string, tf.Tensor>);

  it('keeps the array of an adopted state tensor nobody else holds', () => {
    const r = new StateRecycler();
    const inputs = adamInputs();
    const out = run(r, inputs);
    const a = arrayOf(out.expAvg);
    r.adopt(out.expAvg);
    r.release(out.expAvg);
    expect(r.take(n)).toBe(a);
    tf.dispose([...Object.values(inputs), out.param, out.expAvgSq]);
  });

  it('does not keep an array shared with a clone', () => {
    const r = new StateRecycler();
    const inputs = adamInputs();
    const out = run(r, inputs);
    r.adopt(out.expAvg);
    const clone = out.expAvg.clone();
    r.release(out.expAvg);
    expect(r.take(n)).toBeUndefined();
    expect(clone.dataSync().length).toBe(n);
    tf.dispose([...Object.values(inputs), out.param, out.expAvgSq, clone]);
  });

  it('does not keep an exposed array, nor one no kernel made for this call', () => {
    const r = new StateRecycler();
    const inputs = adamInputs();
    const out = run(r, inputs);
    r.adopt(out.expAvg);
    r.expose(out.expAvg);
    r.release(out.expAvg);
    r.adopt(inputs.expAvg); // a user's tensor
    r.release(inputs.expAvg);
    r.adopt(out.expAvgSq); // not adopted at once: gone
    r.adopt(out.expAvgSq);
    expect(r.take(n)).toBeUndefined();
    tf.dispose([...Object.values(inputs), out.param, out.expAvgSq]);
  });

  it('every cpu kernel writes every element of recycled (NaN-filled) outputs', () => {
    const rng = new Generator(7);
    for (const { op, generate } of kernelCases()) {
      for (let runIndex = 0; runIndex < 8; runIndex++) {
        const { inputs, attrs: a } = generate(rng, runIndex);
        const reference = op(inputs, a);
        const r = new StateRecycler();
        // Seed the recycler with NaN arrays of the param's length, through adopt/dispose.
        const seed = r.run(() => op(inputs, a));
        const seeded = Object.values(seed).map((t) => {
          r.adopt(t);
          arrayOf(t).fill(NaN);
          const arr = arrayOf(t);
          r.release(t);
          return arr;
        });
        const out = r.run(() => op(inputs, a));
        const used = Object.values(out).map(arrayOf);
        expect(used.filter((x) => seeded.includes(x)).length, op.name).toBe(seeded.length);
        for (const name of op.outputs) {
          expect(Array.from(arrayOf(out[name])), `${op.name} ${name} run ${runIndex}`).toEqual(Array.from(arrayOf(reference[name])));
        }
        tf.dispose([...Object.values(inputs), ...Object.values(reference), ...Object.values(out)]);
      }
    }
  });
});
