// PyTorch parity both ways, with no Python at test time:
// - torch → Descent: tools/gen_nn_fixtures.py saved torch.nn models (nn-<name>.safetensors)
//   and their outputs and gradients (nn-modules.json); the Descent twins load the files
//   and must match.
// - Descent → torch: the seeded Descent twins were written as descent-<name>.safetensors
//   (DESCENT_UPDATE_FIXTURES=1, see tools/gen_nn_descent_files.mjs), loaded by
//   tools/check_descent_safetensors.py into the torch twins with a strict
//   load_state_dict, whose outputs it recorded (descent-torch.json). The same seeded
//   twins must give the same bytes and the outputs torch computed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { manualSeed } from '@descent/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSafetensorsIntoModule, moduleToSafetensors, type Module } from '../../src/index.js';
import { FIXTURES, cpu, expectClose, fixture, fixtureBytes, fromJson, type TensorJson } from './setup.js';
import { SEEDS, TWINS } from './twins.js';

interface ModelFixture {
  file: string;
  keys: string[];
  parameters: string[];
  input: TensorJson;
  eval: { output: TensorJson };
  backward: {
    mode: 'train' | 'eval';
    output: TensorJson;
    cotangent: TensorJson;
    grads: Record<string, TensorJson>;
    buffers: Record<string, TensorJson>;
  };
}

const torchFixture = fixture<{ torch: string; models: Record<string, ModelFixture> }>('nn-modules.json');
const UPDATE = process.env.DESCENT_UPDATE_FIXTURES === '1';

beforeAll(cpu);

/** Runs the model on the fixture input; the caller owns the output. */
function run(model: Module, input: TensorJson): tf.Tensor {
  return tf.tidy(() => model.forward(fromJson(input)));
}

describe.each(Object.keys(torchFixture.models))('%s: torch → Descent', (name) => {
  const fx = torchFixture.models[name];

  it("has torch's state-dict keys and parameter names, in torch's order", () => {
    const model = TWINS[name]();
    expect(Object.keys(model.stateDict())).toEqual(fx.keys);
    expect(model.namedParameters().map(([n]) => n)).toEqual(fx.parameters);
    model.dispose();
  });

  it("loads torch's safetensors file and gives torch's eval output", () => {
    const model = TWINS[name]();
    expect(loadSafetensorsIntoModule(model, fixtureBytes(fx.file))).toEqual({ missingKeys: [], unexpectedKeys: [] });
    model.eval();
    const y = run(model, fx.input);
    expectClose(y, fx.eval.output, 1e-5, 'eval output');
    y.dispose();
    model.dispose();
  });

  it(`gives torch's backward (${fx.backward.mode} mode): output, every parameter's gradient, buffers`, () => {
    const model = TWINS[name]();
    loadSafetensorsIntoModule(model, fixtureBytes(fx.file));
    model.train(fx.backward.mode === 'train');
    const x = fromJson(fx.input);
    const r = fromJson(fx.backward.cotangent);
    let output: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const y = model.forward(x);
      output = tf.keep(y.clone());
      return tf.sum(tf.mul(y, r)) as tf.Scalar;
    }, model.parameters());
    expectClose(output!, fx.backward.output, 1e-5, 'output');
    const entries = new Map(model.stateEntries().map((e) => [e.key, e]));
    expect(Object.keys(grads).length).toBe(fx.parameters.length);
    for (const key of fx.parameters) {
      const e = entries.get(key)!;
      const g = grads[e.tensor.name];
      expect(g, key).toBeDefined();
      const torchLayout = tf.tidy(() => (e.torchPermutation ? tf.transpose(g, e.torchPermutation) : g.clone()));
      // atol: a bias followed by training-mode batch norm has a gradient of zero, up to rounding.
      expectClose(torchLayout, fx.backward.grads[key], 1e-4, `grad of ${key}`, 1e-6);
      torchLayout.dispose();
    }
    for (const [key, want] of Object.entries(fx.backward.buffers)) expectClose(entries.get(key)!.tensor, want, 1e-5, key);
    tf.dispose([value, output!, x, r, ...Object.values(grads)]);
    model.dispose();
  });
});

const descentTorch = UPDATE ? null : fixture<{ torch: string; models: Record<string, { eval: TensorJson; train?: TensorJson }> }>('descent-torch.json');

describe.each(Object.keys(TWINS))('%s: Descent → torch', (name) => {
  it('writes the committed bytes from the same seed, which torch loads (strict) and runs to the same outputs', async () => {
    manualSeed(SEEDS[name]);
    const model = TWINS[name]();
    const bytes = await moduleToSafetensors(model);
    const file = `descent-${name}.safetensors`;
    if (UPDATE) writeFileSync(join(FIXTURES, file), bytes);
    expect(Buffer.from(bytes).equals(Buffer.from(fixtureBytes(file))), `${file} differs from what the seeded twin writes`).toBe(true);
    if (descentTorch) {
      const want = descentTorch.models[name];
      const input = torchFixture.models[name].input;
      model.eval();
      const y = run(model, input);
      expectClose(y, want.eval, 1e-5, 'eval output');
      y.dispose();
      if (want.train) {
        model.train();
        const yt = run(model, input);
        expectClose(yt, want.train, 1e-5, 'train output');
        yt.dispose();
      }
    }
    model.dispose();
  });
});
