import * as tf from '@tensorflow/tfjs-core';
import { getDefaultGenerator } from '@descent/core';
import { decodeSafetensors, encodeSafetensors } from '@descent/nn';
import { StepLR } from '@descent/lr-schedule';
import { AdamW } from '@descent/optim';
import { cpSync, readdirSync, readFileSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, EMA, EarlyStopping, ModelCheckpoint, Trainer, listCheckpoints, type Logs } from '../src/index.js';
import { blobs, cpu, loader, mlp, tempDir, weightsOf, schedulable } from './setup.js';

beforeAll(cpu);
const dirs: Array<{ cleanup: () => void }> = [];
afterAll(() => dirs.forEach((d) => d.cleanup()));
function temp() {
  const t = tempDir();
  dirs.push(t);
  return t.dir;
}

/** The run under test: dropout (global RNG), shuffling, AMP, accumulation, clipping, a scheduler, EMA and early stopping. */
function setup(seed: number, outputDir: string, extra: { everySteps?: number } = {}) {
  const model = mlp(seed, { dropout: 0.3, batchNorm: true });
  const optimizer = new AdamW(model.parameters(), { lr: 1e-2 });
  const scheduler = new StepLR(schedulable(optimizer), { stepSize: 2, gamma: 0.8 });
  const ema = new EMA({ decay: 0.9 });
  const stop = new EarlyStopping({ patience: 100, restoreBest: true });
  const trainer = new Trainer({
    model,
    optimizer,
    scheduler,
    amp: 'float16',
    gradientAccumulationSteps: 2,
    maxGradNorm: 1,
    loggingSteps: 1,
    outputDir,
    evalLoader: loader(blobs(24, { seed: 5 }), 12, false),
    callbacks: [ema, stop, new ModelCheckpoint({ everySteps: extra.everySteps ?? 2 })],
    plots: false,
  });
  // 5 micro-batches an epoch: 3 optimizer steps (2 + 2 + 1).
  const trainLoader = loader(blobs(40), 8, true, 21);
  return { model, optimizer, scheduler, ema, trainer, trainLoader };
}

const stable = (logs: Logs[]) => logs.filter((l) => l.train_runtime === undefined);

async function optimizerValues(optimizer: AdamW) {
  const sd = optimizer.stateDict();
  const out: Record<string, unknown> = {};
  for (const [i, s] of Object.entries(sd.state)) for (const [k, v] of Object.entries(s)) out[`${i}.${k}`] = v instanceof tf.Tensor ? Float32Array.from(await v.data()) : v;
  return { state: out, groups: sd.paramGroups };
}

describe('checkpoints and resume', () => {
  let reference: Awaited<ReturnType<typeof run>>;
  let refDir: string;

  async function run(seed: number, outputDir: string, resumeFrom?: string) {
    const s = setup(seed, outputDir);
    await s.trainer.fit({ trainLoader: s.trainLoader, epochs: 3, resumeFrom });
    return {
      ...s,
      logs: stable(s.trainer.state.logHistory),
      weights: weightsOf(s.model.stateEntries().map((e) => [e.key, e.tensor])),
      opt: await optimizerValues(s.optimizer),
      ema: weightsOf(s.ema.averaged!.namedTensors()),
      rng: getDefaultGenerator().getState(),
      lr: s.optimizer.paramGroups[0].lr,
      scale: s.trainer.scaler!.getScale(),
    };
  }

  beforeAll(async () => {
    refDir = temp();
    reference = await run(11, refDir);
  });

  it('writes one directory per checkpoint with every part', () => {
    expect(readdirSync(refDir).sort()).toEqual(['checkpoint-2', 'checkpoint-4', 'checkpoint-6', 'checkpoint-8']);
    expect(readdirSync(join(refDir, 'checkpoint-4')).sort()).toEqual(
      ['callbacks.json', 'callbacks.safetensors', 'data_loader.json', 'model.safetensors', 'optimizer.json', 'optimizer.safetensors', 'rng_state.json', 'scaler.json', 'scheduler.json', 'trainer_state.json'].sort(),
    );
    // Readable as any other directory the user makes (mkdir's umask, not mkdtemp's 0700).
    expect(statSync(join(refDir, 'checkpoint-4')).mode & 0o777).toBe(0o777 & ~process.umask());
    expect(Object.keys(JSON.parse(readFileSync(join(refDir, 'checkpoint-4', 'callbacks.json'), 'utf8')))).toEqual(['ema', 'early_stopping']);
    const state = JSON.parse(readFileSync(join(refDir, 'checkpoint-4', 'trainer_state.json'), 'utf8'));
    // Step 4 is the 1st step of epoch 2: 2 micro-batches into it.
    expect(state).toMatchObject({ epoch: 1, globalStep: 4, stepInEpoch: 1, batchInEpoch: 2 });
    const model = decodeSafetensors(new Uint8Array(readFileSync(join(refDir, 'checkpoint-4', 'model.safetensors'))));
    // torch's names and layouts: Linear(4, 16).weight is [out, in]; num_batches_tracked is I64.
    expect(model.tensors['0.weight'].shape).toEqual([16, 4]);
    expect(model.dtypes['1.num_batches_tracked']).toBe('I64');
    expect(model.metadata).toEqual({ format: 'pt' });
  });

  it('resuming mid-epoch is bit-identical to the uninterrupted run', async () => {
    const resumed = await run(99, temp(), join(refDir, 'checkpoint-4'));
    expect(resumed.trainer.state.globalStep).toBe(9);
    expect(resumed.logs).toEqual(reference.logs);
    for (const [k, v] of Object.entries(reference.weights)) expect(resumed.weights[k], k).toEqual(v);
    expect(resumed.opt).toEqual(reference.opt);
    expect(resumed.ema).toEqual(reference.ema);
    expect(resumed.rng).toEqual(reference.rng);
    expect(resumed.lr).toBe(reference.lr);
    expect(resumed.scale).toBe(reference.scale);
  });

  it('resuming at an epoch boundary and with "latest" is bit-identical too', async () => {
    const atBoundary = await run(98, temp(), join(refDir, 'checkpoint-6'));
    expect(atBoundary.logs).toEqual(reference.logs);
    expect(atBoundary.weights).toEqual(reference.weights);
    const dir = temp();
    cpSync(join(refDir, 'checkpoint-2'), join(dir, 'checkpoint-2'), { recursive: true });
    cpSync(join(refDir, 'checkpoint-8'), join(dir, 'checkpoint-8'), { recursive: true });
    const latest = await run(97, dir, 'latest');
    expect(latest.logs).toEqual(reference.logs);
    expect(latest.weights).toEqual(reference.weights);
  });

  describe('a damaged checkpoint gives an error naming the entry, and changes nothing', () => {
    function damaged(edit: (dir: string) => void): string {
      const dir = join(temp(), 'checkpoint-4');
      cpSync(join(refDir, 'checkpoint-4'), dir, { recursive: true });
      edit(dir);
      return dir;
    }
    function rewriteSafetensors(file: string, change: (t: ReturnType<typeof decodeSafetensors>) => void) {
      const decoded = decodeSafetensors(new Uint8Array(readFileSync(file)));
      change(decoded);
      writeFileSync(file, encodeSafetensors(decoded.tensors, decoded.metadata, { dtypes: Object.fromEntries(Object.entries(decoded.dtypes).filter(([, d]) => d === 'I64')) as never }));
    }
    async function expectRejected(dir: string, file: string, entry: string | undefined, message: RegExp) {
      const s = setup(50, temp());
      const before = weightsOf(s.model.stateEntries().map((e) => [e.key, e.tensor]));
      const rng = getDefaultGenerator().getState();
      const err = await s.trainer.fit({ trainLoader: s.trainLoader, epochs: 3, resumeFrom: dir }).catch((e) => e);
      expect(err).toBeInstanceOf(CheckpointError);
      expect(err.file).toBe(file);
      expect(err.entry).toBe(entry);
      expect(err.message).toMatch(message);
      expect(err.message).toMatch(/Nothing was loaded/);
      expect(weightsOf(s.model.stateEntries().map((e) => [e.key, e.tensor]))).toEqual(before);
      expect(s.optimizer.stateDict().state).toEqual({});
      expect(s.optimizer.paramGroups[0].lr).toBe(1e-2);
      expect(s.scheduler.lastEpoch).toBe(0);
      expect(s.trainer.state.globalStep).toBe(0);
      expect(getDefaultGenerator().getState()).toEqual(rng);
    }

    it('a truncated model.safetensors', async () => {
      const dir = damaged((d) => truncateSync(join(d, 'model.safetensors'), statSync(join(d, 'model.safetensors')).size - 6));
      await expectRejected(dir, 'model.safetensors', '4.bias', /entry "4.bias": data_offsets .* run past the end of the data/);
    });

    it('a tampered shape', async () => {
      const dir = damaged((d) => rewriteSafetensors(join(d, 'model.safetensors'), (t) => void (t.tensors['0.weight'].shape = [8, 8])));
      await expectRejected(dir, 'model.safetensors', '0.weight', /entry "0.weight" has shape \[8, 8\], the model's is \[16, 4\]/);
    });

    it('a missing entry', async () => {
      const dir = damaged((d) => rewriteSafetensors(join(d, 'model.safetensors'), (t) => void delete t.tensors['4.bias']));
      await expectRejected(dir, 'model.safetensors', '4.bias', /entry "4.bias" is missing/);
    });

    it('a wrong dtype', async () => {
      const dir = damaged((d) =>
        rewriteSafetensors(join(d, 'model.safetensors'), (t) => {
          const b = t.tensors['0.bias'];
          t.tensors['0.bias'] = { dtype: 'int32', shape: b.shape, data: Int32Array.from(b.data) };
        }),
      );
      await expectRejected(dir, 'model.safetensors', '0.bias', /entry "0.bias" has dtype I32, the model's is F32/);
    });

    it("an optimizer state tensor of the wrong shape", async () => {
      const dir = damaged((d) => rewriteSafetensors(join(d, 'optimizer.safetensors'), (t) => void (t.tensors['state.0.expAvg'] = { dtype: 'float32', shape: [64], data: new Float32Array(64) })));
      await expectRejected(dir, 'optimizer.safetensors', 'state.0.expAvg', /entry "state.0.expAvg" has shape \[64\], its parameter .* has \[4, 16\]/);
    });

    it('changed bytes with an intact structure fail the checksum', async () => {
      const dir = damaged((d) => {
        const bytes = readFileSync(join(d, 'model.safetensors'));
        bytes[bytes.length - 1] ^= 0x40;
        writeFileSync(join(d, 'model.safetensors'), bytes);
      });
      await expectRejected(dir, 'model.safetensors', undefined, /does not match the size and SHA-256/);
    });

    it('a truncated trainer_state.json', async () => {
      const dir = damaged((d) => truncateSync(join(d, 'trainer_state.json'), 40));
      await expectRejected(dir, 'trainer_state.json', undefined, /is not valid JSON/);
    });

    it('a JSON file is only ever parsed', async () => {
      const dir = damaged((d) => writeFileSync(join(d, 'scheduler.json'), '{"class": "StepLR", "state": (() => { throw 1 })()}'));
      await expectRejected(dir, 'scheduler.json', undefined, /is not valid JSON/);
    });
  });

  it('ModelCheckpoint keeps the last N and the best by the monitored value', async () => {
    const dir = temp();
    const model = mlp(4);
    const cb = new ModelCheckpoint({ everySteps: 1, keepLast: 2, keepBest: 1, monitor: 'loss' });
    const trainer = new Trainer({ model, optimizer: new AdamW(model.parameters(), { lr: 0.3 }), outputDir: dir, loggingSteps: 1, monitor: 'loss', callbacks: [cb], plots: false });
    await trainer.fit({ trainLoader: loader(blobs(80), 8), epochs: 1 });
    const losses = trainer.state.logHistory.filter((l) => l.loss !== undefined).map((l) => [l.step, l.loss] as const);
    const best = losses.reduce((a, b) => (b[1] < a[1] ? b : a))[0];
    const kept = (await listCheckpoints(dir)).map((c) => c.step);
    expect(kept).toEqual([...new Set([best, 9, 10])].sort((a, b) => a - b));
    expect(cb.removed.length).toBe(10 - kept.length);
    expect(trainer.state.bestCheckpoint).toBe(join(dir, `checkpoint-${best}`));
    expect(trainer.state.bestMetric).toBe(losses.find(([s]) => s === best)![1]);
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});
