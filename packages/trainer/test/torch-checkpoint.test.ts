// Issue #11: a trainer checkpoint loads into PyTorch, with no Python at test time.
// - This test trains a small conv net (AdamW, a warmup-cosine schedule, float16 AMP with
//   a GradScaler, clipping) for a few seeded steps on cpu and writes a checkpoint.
// - With DESCENT_UPDATE_FIXTURES=1 (tools/gen_trainer_checkpoint.mjs) it copies that
//   checkpoint to fixtures/torch-checkpoint/; tools/check_trainer_checkpoint.py then read
//   every safetensors file there with its own header parser and torch.frombuffer, loaded
//   model.safetensors into the torch.nn twin (strict load_state_dict) and ran it on a
//   torch-made input, and recorded each tensor and torch's outputs in torch-checkpoint.json.
// - Otherwise it checks the checkpoint this code writes now against what torch read:
//   the same files and names, every tensor bit for bit, and torch's outputs.
import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Generator, manualSeed } from '@descent/core';
import { DataLoader, type Dataset } from '@descent/data';
import { getCosineScheduleWithWarmup } from '@descent/lr-schedule';
import { BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '@descent/nn';
import { AdamW } from '@descent/optim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelCheckpoint, Trainer } from '../src/index.js';
import { cpu, schedulable, tempDir, type Sample } from './setup.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const UPDATE = process.env.DESCENT_UPDATE_FIXTURES === '1';
const STEPS = 6;

interface TensorRecord {
  dtype: string;
  torchDtype: string;
  shape: number[];
  sha256: string;
  /** float32 values as their shortest round-tripping decimals; integers as numbers. */
  data: Array<number | null>;
}
interface TorchCheckpoint {
  torch: string;
  files: Record<string, { metadata: Record<string, string> | null; tensors: Record<string, TensorRecord> }>;
  model: { keys: string[]; parameters: string[]; input: Json; eval: Json; train: Json };
}
interface Json {
  shape: number[];
  data: number[];
}

/** The torch twin in tools/check_trainer_checkpoint.py: [N, 6, 6, 2] NHWC images, 3 classes. */
function model(): Sequential {
  manualSeed(7);
  return new Sequential(new Conv2d(2, 4, 3), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(16, 3));
}

function images(n: number): Dataset<Sample> {
  const g = new Generator(3);
  const samples: Sample[] = Array.from({ length: n }, (_, i) => {
    const data = new Float32Array(6 * 6 * 2);
    for (let j = 0; j < data.length; j++) data[j] = g.normal() + (i % 3) * (j % 2 ? 0.5 : -0.5);
    return [{ data, shape: [6, 6, 2] }, i % 3];
  });
  return { length: n, get: (i) => samples[i] };
}

/** The seeded run; returns the model, optimizer and the checkpoint it wrote at the last step. */
async function train(outputDir: string) {
  const net = model();
  const optimizer = new AdamW(net.parameters(), { lr: 1e-2, weightDecay: 0.05 });
  const scheduler = getCosineScheduleWithWarmup(schedulable(optimizer), { numWarmupSteps: 2, numTrainingSteps: 10 });
  const trainer = new Trainer({
    model: net,
    optimizer,
    scheduler,
    amp: 'float16',
    maxGradNorm: 1,
    seed: 11,
    loggingSteps: 2,
    outputDir,
    callbacks: [new ModelCheckpoint({ everySteps: STEPS })],
    plots: false,
  });
  await trainer.fit({ trainLoader: new DataLoader(images(24), { batchSize: 8, shuffle: true, seed: 5 }), maxSteps: STEPS });
  return { net, optimizer, trainer, dir: join(outputDir, `checkpoint-${STEPS}`) };
}

/** The header and the raw bytes of each tensor, parsed here rather than by @descent/nn's decoder. */
function readSafetensors(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
  const metadata = (header.__metadata__ as Record<string, string> | undefined) ?? null;
  delete header.__metadata__;
  const tensors: Record<string, { dtype: string; shape: number[]; bytes: Uint8Array }> = {};
  for (const [name, info] of Object.entries(header as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>)) {
    const [begin, end] = info.data_offsets;
    // A copy: typed-array views below need aligned offsets.
    tensors[name] = { dtype: info.dtype, shape: info.shape, bytes: bytes.slice(8 + n + begin, 8 + n + end) };
  }
  return { metadata, tensors };
}

function valuesOf(dtype: string, bytes: Uint8Array): number[] {
  const buf = bytes.buffer as ArrayBuffer;
  if (dtype === 'F32') return Array.from(new Float32Array(buf));
  if (dtype === 'I64') return Array.from(new BigInt64Array(buf), Number);
  if (dtype === 'I32') return Array.from(new Int32Array(buf));
  throw new Error(`no reader for ${dtype} in this test`);
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A tensor's bytes as stored (float32 little-endian), for comparing live state bit for bit. */
function f32Bytes(t: tf.Tensor): Uint8Array {
  return new Uint8Array(Float32Array.from(t.dataSync() as Float32Array).buffer);
}

function expectClose(got: tf.Tensor, want: Json, rtol: number, what: string) {
  expect(got.shape, what).toEqual(want.shape);
  const g = got.dataSync();
  want.data.forEach((w, i) => expect(Math.abs(g[i] - w), `${what}[${i}]: ${g[i]} vs torch ${w}`).toBeLessThanOrEqual(rtol * Math.abs(w) + 1e-7));
}

beforeAll(cpu);
const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('a trainer checkpoint loads into PyTorch', () => {
  let run: Awaited<ReturnType<typeof train>>;
  const fixture = UPDATE ? null : (JSON.parse(readFileSync(join(FIXTURES, 'torch-checkpoint.json'), 'utf8')) as TorchCheckpoint);
  const files = () => readdirSync(run.dir).filter((f) => f.endsWith('.safetensors')).sort();
  const file = (f: string) => readSafetensors(new Uint8Array(readFileSync(join(run.dir, f))));

  beforeAll(async () => {
    run = await train(tmp.dir);
  });
  afterAll(() => {
    run?.net.dispose();
    run?.optimizer.dispose();
  });

  it('writes a complete checkpoint, each file with the SHA-256 that trainer_state.json records', () => {
    const state = JSON.parse(readFileSync(join(run.dir, 'trainer_state.json'), 'utf8')) as { globalStep: number; files: Record<string, { bytes: number; sha256: string }> };
    expect(state.globalStep).toBe(STEPS);
    expect(Object.keys(state.files).sort()).toEqual(readdirSync(run.dir).filter((f) => f !== 'trainer_state.json').sort());
    expect(Object.keys(state.files)).toEqual(expect.arrayContaining(['model.safetensors', 'optimizer.safetensors', 'optimizer.json', 'scheduler.json', 'scaler.json']));
    for (const [f, want] of Object.entries(state.files)) expect(sha256(new Uint8Array(readFileSync(join(run.dir, f)))), f).toBe(want.sha256);
    if (UPDATE) {
      const target = join(FIXTURES, 'torch-checkpoint');
      rmSync(target, { recursive: true, force: true });
      cpSync(run.dir, target, { recursive: true });
    }
  });

  it.skipIf(UPDATE)('writes the safetensors files torch read, with the tensor names and metadata torch read', () => {
    expect(files()).toEqual(Object.keys(fixture!.files).sort());
    expect(files()).toEqual(['model.safetensors', 'optimizer.safetensors']);
    for (const f of files()) {
      const { metadata, tensors } = file(f);
      expect(Object.keys(tensors).sort(), f).toEqual(Object.keys(fixture!.files[f].tensors).sort());
      expect(metadata, f).toEqual(fixture!.files[f].metadata);
    }
  });

  it.skipIf(UPDATE)('stores every tensor, model and optimizer state, with the dtype, shape and bits torch read', () => {
    let compared = 0;
    for (const f of files()) {
      for (const [name, t] of Object.entries(file(f).tensors)) {
        const want = fixture!.files[f].tensors[name];
        const what = `${f}: ${name}`;
        expect({ dtype: t.dtype, shape: t.shape }, what).toEqual({ dtype: want.dtype, shape: want.shape });
        const got = valuesOf(t.dtype, t.bytes);
        // Values first, for a readable difference; then the bytes, which also tell -0 from 0.
        expect(got.map((v) => (Number.isFinite(v) ? v : null)), what).toEqual(t.dtype === 'F32' ? Array.from(Float32Array.from(want.data as number[])) : want.data);
        expect(sha256(t.bytes), `${what}: bytes differ from what torch read`).toBe(want.sha256);
        compared++;
      }
    }
    // 6 model tensors + num_batches_tracked + running stats, and exp_avg / exp_avg_sq of 6 parameters.
    expect(compared).toBe(9 + 12);
  });

  it.skipIf(UPDATE)('wrote the live state: model tensors in torch layouts, optimizer state by name', () => {
    const model = fixture!.files['model.safetensors'].tensors;
    const entries = run.net.stateEntries();
    expect(entries.map((e) => e.key)).toEqual(fixture!.model.keys);
    for (const e of entries) {
      const want = model[e.key];
      if (want.dtype === 'I64') {
        expect(Array.from(e.tensor.dataSync()), e.key).toEqual(want.data);
        continue;
      }
      const torchLayout = tf.tidy(() => (e.torchPermutation ? tf.transpose(e.tensor, e.torchPermutation) : e.tensor.clone()));
      expect(torchLayout.shape, e.key).toEqual(want.shape);
      expect(sha256(f32Bytes(torchLayout)), e.key).toBe(want.sha256);
      torchLayout.dispose();
    }
    const optimizer = fixture!.files['optimizer.safetensors'].tensors;
    const params = run.net.namedParameters();
    let n = 0;
    for (const [index, state] of Object.entries(run.optimizer.stateDict().state)) {
      for (const [key, value] of Object.entries(state)) {
        if (!(value instanceof tf.Tensor)) continue;
        const want = optimizer[`state.${index}.${key}`];
        expect(want, `state.${index}.${key}`).toBeDefined();
        // Indexed as torch's optimizer.state_dict() numbers parameters: model.parameters() order, Descent's layout.
        expect(value.shape, `state.${index}.${key}`).toEqual(params[Number(index)][1].shape);
        expect(sha256(f32Bytes(value)), `state.${index}.${key}`).toBe(want.sha256);
        n++;
      }
    }
    expect(n).toBe(Object.keys(optimizer).length);
  });

  it.skipIf(UPDATE)("has torch's parameter order and gives torch's outputs on torch's input", () => {
    expect(run.net.namedParameters().map(([name]) => name)).toEqual(fixture!.model.parameters);
    const { input } = fixture!.model;
    const x = tf.tensor(input.data, input.shape);
    run.net.eval();
    const yEval = tf.tidy(() => run.net.forward(x));
    expectClose(yEval, fixture!.model.eval, 1e-5, 'eval output');
    // Training mode: batch statistics (the last check: it moves the running stats).
    run.net.train();
    const yTrain = tf.tidy(() => run.net.forward(x));
    expectClose(yTrain, fixture!.model.train, 1e-5, 'train output');
    tf.dispose([x, yEval, yTrain]);
  });
});
