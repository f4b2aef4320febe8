// optim's updateBn (torch's swa_utils.update_bn) on @descent/nn's BatchNorm1d and
// BatchNorm2d models, against torch 1.13's update_bn (tools/gen_optim2_fixtures.py,
// read from packages/optim/test/fixtures/optim2.json): the weights are loaded in
// torch's layouts through a safetensors file, the batches and probe transposed to
// NHWC; the running statistics, counters, restored momenta and mode and the eval
// output on a probe batch must match, with no tensor left behind.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type HostTensor } from '@descent/core';
import { BatchNorm, BatchNorm1d, BatchNorm2d, Conv2d, Linear, ReLU, Sequential, encodeSafetensors, loadSafetensorsIntoModule } from '@descent/nn';
import { updateBn } from '@descent/optim';
import { PARITY_ATOL, PARITY_RTOL, type TorchFixtureArray as Host, type TorchUpdateBnCase as UpdateBnCase } from '@descent/optim/testing';
import { beforeAll, describe, expect, it } from 'vitest';

const fixturePath = join(import.meta.dirname, '..', '..', '..', 'packages', 'optim', 'test', 'fixtures', 'optim2.json');
const fixtures = JSON.parse(readFileSync(fixturePath, 'utf8')) as { torch: string; updateBn: UpdateBnCase[] };

/** The generator's models, in nn's modules: `model_bn1d` and `model_bn2d`. */
const MODELS: Record<string, { build: () => Sequential; nchw: boolean }> = {
  update_bn_bn1d: { build: () => new Sequential(new Linear(3, 4), new BatchNorm1d(4), new ReLU(), new Linear(4, 2), new BatchNorm1d(2, { momentum: 0.3, affine: false })), nchw: false },
  update_bn_bn2d: {
    build: () => new Sequential(new Conv2d(3, 4, 3, { padding: 1 }), new BatchNorm2d(4), new ReLU(), new Conv2d(4, 2, 1), new BatchNorm2d(2, { momentum: 0.5 })),
    nchw: true,
  },
};

function load(model: Sequential, weights: Record<string, Host>): void {
  const tensors: Record<string, HostTensor> = {};
  const dtypes: Record<string, 'I64'> = {};
  for (const [key, { shape, values }] of Object.entries(weights)) {
    const integer = key.endsWith('num_batches_tracked');
    tensors[key] = { dtype: integer ? 'int32' : 'float32', shape, data: integer ? Int32Array.from(values) : Float32Array.from(values) };
    if (integer) dtypes[key] = 'I64';
  }
  loadSafetensorsIntoModule(model, encodeSafetensors(tensors, null, { dtypes }));
}

function mismatch(what: string, got: ArrayLike<number>, want: readonly number[]): string[] {
  const j = want.findIndex((w, i) => !(Math.abs(got[i] - w) <= PARITY_ATOL + PARITY_RTOL * Math.abs(w)));
  return j < 0 ? [] : [`${what}[${j}]: got ${got[j]}, torch ${want[j]}`];
}

/** Declares the update_bn tests for `backendName`, an adapter already registered under that name. */
export function updateBnSuite(backendName: string): void {
  describe(`updateBn on @descent/nn's batch norms, against torch ${fixtures.torch}'s update_bn, on ${backendName}`, () => {
    beforeAll(async () => {
      await useBackend(backendName);
    });
    for (const c of fixtures.updateBn) {
      it(c.name, async () => {
        expect(tf.getBackend()).toBe(backendName);
        const { build, nchw } = MODELS[c.name];
        const model = build();
        load(model, c.weights);
        model.train(c.training);
        const toNhwc = (h: Host) => tf.tidy(() => (nchw ? tf.transpose(tf.tensor(h.values, h.shape), [0, 2, 3, 1]) : tf.tensor(h.values, h.shape)));
        const batches = c.batches.map((b, i) => (c.tupleBatches[i] ? [toNhwc(b), tf.zeros([b.shape[0]])] : toNhwc(b)));
        const before = tf.memory().numTensors;
        await updateBn(batches, model);
        expect(tf.memory().numTensors).toBe(before);
        expect(model.training).toBe(c.training);
        const problems: string[] = [];
        for (const [key, want] of Object.entries(c.stats)) {
          const bn = model.at(Number(key)) as BatchNorm;
          problems.push(...mismatch(`${key}.running_mean`, await bn.runningMean!.data(), want.runningMean));
          problems.push(...mismatch(`${key}.running_var`, await bn.runningVar!.data(), want.runningVar));
          expect((await bn.numBatchesTracked!.data())[0]).toBe(want.numBatchesTracked);
          expect(bn.momentum).toBe(want.momentum);
        }
        const out = tf.tidy(() => {
          const y = model.forward(toNhwc(c.probe));
          return nchw ? tf.transpose(y, [0, 3, 1, 2]) : y;
        });
        problems.push(...mismatch('eval output', await out.data(), c.probeOutput.values));
        expect(problems).toEqual([]);
        tf.dispose([out, ...batches.flat()]);
        for (const p of [...model.parameters(), ...model.buffers()]) p.dispose();
      });
    }
  });
}
