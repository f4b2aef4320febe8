// `descent train`, always through the built bin in a child process, as a user runs it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', 'dist', 'bin.js');
const work = mkdtempSync(join(tmpdir(), 'descent-train-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string) => join(work, `${name}-${n++}`);

function descent(...argv: string[]) {
  const r = spawnSync('node', [bin, ...argv], { cwd: work, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}
/** `descent train ... --json`: the last stdout line, parsed. */
function trainJson(...argv: string[]) {
  const r = descent('train', ...argv, '--json');
  if (r.code !== 0) throw new Error(`descent train ${argv.join(' ')} exited ${r.code}:\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return { ...r, json: JSON.parse(lines[lines.length - 1]!) };
}
const dryRun = (...argv: string[]) => {
  const r = descent('train', ...argv, '--dry-run', '--json');
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as { config: Record<string, any>; runDir: string };
};

/** The JSON header of a safetensors file. */
function safetensorsHeader(file: string): Record<string, { dtype: string; shape: number[] }> {
  const bytes = readFileSync(file);
  const len = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + len).toString('utf8'));
  delete header.__metadata__;
  return header;
}

describe('descent train: the command line', () => {
  it('rejects bad flags and values with exit status 2, listing the valid choices', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--optimizer', 'adamx'], /invalid value "adamx" for --optimizer: did you mean "adam(x|w)?"\? expected one of sgd, adam, adamw, lamb, adagrad, rmsprop, adadelta, adamax, nadam, radam, lion, asgd, rprop, adafactor, schedule-free-adamw/],
      [['--optimizer', 'rprop', '--weight-decay', '0.1'], /--weight-decay: rprop has no weight decay \(torch.optim.Rprop takes none\), got 0.1/],
      [['--model', 'resnet'], /invalid value "resnet" for --model: expected one of linear, mlp, cnn/],
      [['--dataset', 'cifar'], /invalid value "cifar" for --dataset: expected one of mnist, fashion-mnist/],
      [['kmnist'], /unknown dataset "kmnist": did you mean "mnist"\? expected one of mnist, fashion-mnist/],
      [['fashion'], /unknown dataset "fashion": (did you mean "fashion-mnist"\? )?expected one of mnist, fashion-mnist/],
      [['--amp', 'fp8'], /invalid value "fp8" for --amp: expected one of fp16, bf16, auto, off/],
      [['--backend', 'tpu'], /invalid value "tpu" for --backend: (did you mean "cpu"\? )?expected one of wasm, cpu, webgpu, cuda/],
      [['--schedule-interval', 'batch'], /expected one of step, epoch/],
      [['--preset', 'fast'], /invalid value "fast" for --preset: expected one of seed/],
      [['--schedule', 'cosin'], /invalid value "cosin" for --schedule: did you mean "cosine"\? expected one of StepLR, .*OneCycleLR, .*cosine, .*warmup_stable_decay, reduce_lr_on_plateau, none/],
      [['--schedule', 'StepLR:step=3'], /StepLR has no option "step": did you mean step-size\?/],
      [['--epochs', '0'], /--epochs must be at least 1, got 0/],
      [['--batch-size', '6.5'], /--batch-size expects an integer, got "6.5"/],
      [['--lr', 'fast'], /--lr expects a number, got "fast"/],
      [['--epoch', '2'], /unknown option --epoch for descent train: did you mean --epochs\?/],
      [['--warmup', '100', '--schedule', 'StepLR'], /--warmup: StepLR has no warmup/],
      [['--momentum', '0.9'], /--momentum is for sgd and rmsprop, not adamw/],
      [['mnist', 'fashion-mnist'], /unexpected argument "fashion-mnist"/],
    ];
    for (const [argv, message] of cases) {
      const r = descent('train', ...argv, '--dry-run');
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toMatch(message);
      expect(r.stdout).toBe('');
    }
  });

  it('--help lists every flag; descent --help names the command', () => {
    const r = descent('train', '--help');
    expect(r.code).toBe(0);
    for (const flag of ['--model', '--dataset', '--optimizer', '--lr', '--weight-decay', '--schedule', '--schedule-interval', '--warmup', '--epochs', '--batch-size', '--amp', '--grad-accum', '--max-grad-norm', '--backend', '--seed', '--samples', '--save-steps', '--resume', '--out', '--json', '--preset', '--find-lr', '--dry-run']) {
      expect(r.stdout).toContain(`  ${flag} `);
    }
    expect(r.stdout).toMatch(/^Usage: descent train \[mnist\|fashion-mnist\] \[options\]/);
    expect(descent('--help').stdout).toMatch(/descent train \[mnist\|fashion-mnist\]/);
  });

  it('resolves the default recipe: MLP, AdamW, cosine with warmup per step, 3 epochs', () => {
    const { config, runDir } = dryRun('mnist');
    expect(config).toMatchObject({
      dataset: 'mnist', model: 'mlp', preset: null, optimizer: 'adamw', lr: 3e-3, weightDecay: 0.01, epochs: 3, batchSize: 64, amp: 'off',
      gradAccum: 1, maxGradNorm: null, backend: null, seed: 0, normalize: true, samples: 60000, stepsPerEpoch: 938, totalSteps: 2814, warmupSteps: 141,
      schedule: { name: 'cosine', interval: 'step', options: { numWarmupSteps: 141, numTrainingSteps: 2814 } },
    });
    expect(runDir).toMatch(/^runs\/mnist-mlp-\d{8}-\d{6}$/);
    // The dataset as a flag; fashion-mnist gets 5 epochs, and its own default directory.
    const fashion = dryRun('--dataset', 'fashion-mnist', '--model', 'cnn');
    expect(fashion.config).toMatchObject({ dataset: 'fashion-mnist', model: 'cnn', lr: 2e-3, epochs: 5, totalSteps: 4690 });
    expect(fashion.runDir).toMatch(/^runs\/fashion-mnist-cnn-/);
  });

  it('--preset seed is PyTorch\'s AMP MNIST recipe, and explicit flags override it', () => {
    const { config } = dryRun('mnist', '--preset', 'seed');
    expect(config).toMatchObject({
      preset: 'seed', model: 'linear', optimizer: 'adam', lr: 0.01, weightDecay: 0, amp: 'fp16', batchSize: 64, epochs: 5, warmupSteps: 0, normalize: false,
      schedule: { name: 'StepLR', interval: 'epoch', options: { stepSize: 10, gamma: 0.1 } },
    });
    const over = dryRun('mnist', '--preset', 'seed', '--epochs', '2', '--lr', '0.005', '--amp', 'off', '--normalize', '--schedule', 'StepLR:gamma=0.5');
    expect(over).toMatchObject({ config: { model: 'linear', optimizer: 'adam', lr: 0.005, epochs: 2, amp: 'off', normalize: true, batchSize: 64, schedule: { name: 'StepLR', interval: 'epoch', options: { stepSize: 10, gamma: 0.5 } } } });
  });

  it('fills schedules from the run: totals, warmup (steps or a fraction), peaks; torch schedulers per epoch', () => {
    expect(dryRun('--warmup', '100').config.schedule.options).toEqual({ numWarmupSteps: 100, numTrainingSteps: 2814 });
    expect(dryRun('--warmup', '0.1', '--samples', '6400', '--batch-size', '100').config.schedule.options).toMatchObject({ numWarmupSteps: 20, numTrainingSteps: 192 });
    expect(dryRun('--schedule', 'OneCycleLR', '--lr', '0.02').config.schedule).toEqual({ name: 'OneCycleLR', interval: 'step', options: { maxLr: 0.02, totalSteps: 2814 } });
    expect(dryRun('--schedule', 'CosineAnnealingLR', '--epochs', '4').config.schedule).toEqual({ name: 'CosineAnnealingLR', interval: 'epoch', options: { tMax: 4 } });
    expect(dryRun('--schedule', 'cosine_annealing_lr', '--schedule-interval', 'step', '--epochs', '1').config.schedule).toEqual({ name: 'CosineAnnealingLR', interval: 'step', options: { tMax: 938 } });
    expect(dryRun('--schedule', 'linear_with_warmup', '--grad-accum', '2').config).toMatchObject({ stepsPerEpoch: 469, schedule: { name: 'linear', options: { numTrainingSteps: 1407 } } });
    expect(dryRun('--schedule', 'reduce_lr_on_plateau').config.schedule).toEqual({ name: 'reduce_lr_on_plateau', interval: 'epoch', options: {} });
    expect(dryRun('--schedule', 'none').config.schedule).toBeNull();
    expect(dryRun('--schedule', 'wsd').config.schedule).toEqual({ name: 'warmup_stable_decay', interval: 'step', options: { numWarmupSteps: 141, numTrainingSteps: 2814, numDecaySteps: 282 } });
    expect(dryRun('--schedule', 'OneCycleLR', '--optimizer', 'adagrad').config.schedule.options).toEqual({ maxLr: 0.01, totalSteps: 2814, cycleMomentum: false });
    // Each schedule is built on a stand-in optimizer first, so its own checks fail before any data is loaded.
    const minLr = descent('train', '--schedule', 'cosine_with_min_lr', '--dry-run');
    expect([minLr.code, minLr.stderr]).toEqual([2, 'descent: --schedule cosine_with_min_lr: One of minLr or minLrRate should be set (cosine_with_min_lr:min-lr=...)\n']);
    expect(dryRun('--schedule', 'cosine_with_min_lr:min-lr-rate=0.1').config.schedule.options).toMatchObject({ minLrRate: 0.1 });
    // Another optimizer gets torch's lr and weight decay for it.
    expect(dryRun('--optimizer', 'sgd').config).toMatchObject({ optimizer: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0 });
    expect(dryRun('--optimizer', 'lion', '--weight-decay', '0.1').config).toMatchObject({ lr: 1e-4, weightDecay: 0.1, momentum: null });
    expect(dryRun('--optimizer', 'adafactor').config).toMatchObject({ optimizer: 'adafactor', lr: 1e-2, weightDecay: 0 });
    // Schedule-free AdamW takes no schedule unless asked: the warmup is the optimizer's own.
    const free = dryRun('--optimizer', 'schedule-free-adamw', '--warmup', '0.1');
    expect(free.config).toMatchObject({ optimizer: 'schedule-free-adamw', lr: 2.5e-3, schedule: null, warmupSteps: 282 });
    expect(descent('train', '--optimizer', 'schedule-free-adamw', '--warmup', '0.1', '--dry-run').stdout).toMatch(/optimizer: schedule-free-adamw, lr 0.0025, weight decay 0, warmup 282 steps/);
    expect(dryRun('--optimizer', 'schedule-free-adamw', '--schedule', 'cosine').config.schedule).toMatchObject({ name: 'cosine' });
  });

  it('--backend cuda says what the cuda adapter lacks here (tfjs-node-gpu, its install script never run)', () => {
    const r = descent('train', 'mnist', '--backend', 'cuda', '--samples', '64', '--out', fresh('cuda'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--backend cuda: the backend could not start: @tensorflow\/tfjs-node-gpu 4\.22\.0 is installed at .*, but its native addon .*tfjs_binding\.node is missing/);
  });

  it('--resume without a checkpoint to resume says so', () => {
    const r = descent('train', 'mnist', '--resume', '--out', fresh('none'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--resume: .* holds no checkpoint-<step> directory/);
  });
});

describe('descent train: a run', () => {
  it('prints progress and the test accuracy, and --json a summary; writes the run directory', () => {
    const out = fresh('run');
    const { json, stderr } = trainJson('mnist', '--samples', '1024', '--epochs', '1', '--logging-steps', '4', '--out', out);
    expect(json).toMatchObject({ dataset: 'mnist', model: 'mlp', epochs: 1, steps: 16, backend: 'wasm', runDir: out, resumedFrom: null, samples: 1024 });
    expect(json.accuracy).toBeGreaterThan(0.75); // 1024 samples, one epoch
    expect(json.accuracy).toBeLessThanOrEqual(1);
    expect(json.loss).toBeGreaterThan(0);
    expect(json.seconds).toBeGreaterThan(0);
    expect(json.config).toMatchObject({ optimizer: 'adamw', totalSteps: 16 });
    // Progress (on stderr with --json): the trainer's bar lines, the epoch's end, the accuracy.
    expect(stderr).toMatch(/epoch 1\/1 .*step 4\/16 loss \d/);
    expect(stderr).toMatch(/epoch 1\/1 done: .*eval_accuracy/);
    expect(stderr).toMatch(/test accuracy \d+\.\d\d% \(test loss \d\.\d{4}\) on 10000 mnist test images after 1 epoch \(16 steps/);

    const files = readdirSync(out).sort();
    expect(files).toEqual(['checkpoint-16', 'config.json', 'metrics.csv', 'metrics.jsonl', 'model.safetensors', 'plots', 'step_losses.json', 'summary.json']);
    expect(readdirSync(join(out, 'checkpoint-16')).sort()).toEqual(['callbacks.json', 'callbacks.safetensors', 'data_loader.json', 'model.safetensors', 'optimizer.json', 'optimizer.safetensors', 'rng_state.json', 'scheduler.json', 'trainer_state.json']);
    const plots = readdirSync(join(out, 'plots'));
    for (const p of ['loss', 'learning_rate', 'epoch_loss', 'accuracy', 'confusion_matrix', 'misclassified']) expect(plots).toContain(`${p}.svg`);
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => 'loss' in l).map((l) => l.step)).toEqual([4, 8, 12, 16]);
    expect(lines.find((l) => 'eval_accuracy' in l).eval_accuracy).toBe(json.accuracy);
    expect(readFileSync(join(out, 'metrics.csv'), 'utf8').split('\n')[0]).toMatch(/^loss,learning_rate,epoch,step,/);
    expect(JSON.parse(readFileSync(join(out, 'step_losses.json'), 'utf8'))).toHaveLength(16);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toEqual(json);
    // Torch's names and layouts: the MLP loads into nn.Sequential(Flatten, Linear, ReLU, Linear).
    expect(safetensorsHeader(join(out, 'model.safetensors'))).toMatchObject({ '1.weight': { dtype: 'F32', shape: [256, 784] }, '1.bias': { shape: [256] }, '3.weight': { shape: [10, 256] } });
    expect(readFileSync(join(out, 'model.safetensors'))).toEqual(readFileSync(join(out, 'checkpoint-16', 'model.safetensors')));
    // Its checkpoints guard the directory: a second fresh run into it is refused.
    const again = descent('train', 'mnist', '--samples', '64', '--out', out);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds checkpoints: continue it with --resume --out/);
  });

  it('--preset seed trains the linear model in fp16 with a GradScaler; the cnn and fashion-mnist run', () => {
    const seed = fresh('seed');
    const { json } = trainJson('mnist', '--preset', 'seed', '--samples', '512', '--epochs', '1', '--out', seed);
    expect(json.config).toMatchObject({ model: 'linear', optimizer: 'adam', amp: 'fp16' });
    expect(JSON.parse(readFileSync(join(seed, 'checkpoint-8', 'scaler.json'), 'utf8'))).toHaveProperty('scale');
    expect(JSON.parse(readFileSync(join(seed, 'checkpoint-8', 'scheduler.json'), 'utf8')).class).toBe('StepLR');
    expect(safetensorsHeader(join(seed, 'model.safetensors'))).toEqual({ '1.weight': { dtype: 'F32', shape: [10, 784], data_offsets: expect.any(Array) }, '1.bias': { dtype: 'F32', shape: [10], data_offsets: expect.any(Array) } });

    const cnn = fresh('cnn');
    const c = trainJson('--dataset', 'fashion-mnist', '--model', 'cnn', '--samples', '256', '--epochs', '1', '--out', cnn).json;
    expect(c).toMatchObject({ dataset: 'fashion-mnist', model: 'cnn', steps: 4 });
    expect(c.accuracy).toBeGreaterThan(0.1);
    expect(safetensorsHeader(join(cnn, 'model.safetensors'))).toMatchObject({
      '0.weight': { shape: [32, 1, 3, 3] },
      '3.weight': { shape: [64, 32, 3, 3] },
      '8.weight': { shape: [128, 1600] },
      '11.weight': { shape: [10, 128] },
    });
  });

  it('trains with the optimizers of torch.optim 2.x: adafactor (fused kernels) and schedule-free adamw (evaluated in eval mode)', () => {
    for (const optimizer of ['adafactor', 'schedule-free-adamw']) {
      const { json } = trainJson('mnist', '--optimizer', optimizer, '--samples', '1024', '--epochs', '1', '--out', fresh(optimizer));
      expect(json.config).toMatchObject({ optimizer });
      // 16 steps: well above chance (Adafactor's relative steps start small).
      expect(json.accuracy).toBeGreaterThan(0.4);
    }
  });

  it('--find-lr prints a suggestion in the swept range and writes the plot', () => {
    const out = fresh('lr');
    const { json, stderr } = trainJson('mnist', '--find-lr', '--find-lr-steps', '60', '--samples', '2048', '--out', out);
    expect(json.suggestion).toBeGreaterThan(1e-7);
    expect(json.suggestion).toBeLessThan(10);
    expect(json.lrs.length).toBeGreaterThan(20);
    expect(stderr).toMatch(/suggested lr: \d\.\d\de[-+]\d+/);
    expect(readFileSync(join(out, 'lr_find.svg'), 'utf8')).toMatch(/^<svg[\s\S]*suggested lr/);
    expect(existsSync(join(out, 'lr_find.png'))).toBe(true);
    expect(readdirSync(out).filter((f) => f.startsWith('checkpoint-'))).toEqual([]);
  });
});

describe('descent train: kill and resume', () => {
  it('a run SIGKILLed mid-epoch and resumed in a new process ends bit-identical to an uninterrupted one', async () => {
    const d1 = fresh('killed');
    const d2 = fresh('whole');
    const args = ['train', 'mnist', '--samples', '2048', '--epochs', '2', '--save-steps', '10', '--seed', '1', '--logging-steps', '5'];
    const whole = descent(...args, '--out', d2);
    expect(whole.code, whole.stderr).toBe(0);

    const child = spawn('node', [bin, ...args, '--out', d1], { cwd: work, stdio: 'ignore' });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + 120_000;
    while (!existsSync(join(d1, 'checkpoint-10', 'trainer_state.json'))) {
      if (Date.now() > deadline) throw new Error('no checkpoint-10 within 2 minutes');
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    expect(await exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(existsSync(join(d1, 'model.safetensors'))).toBe(false); // it did not finish
    const left = readdirSync(d1).filter((f) => /^checkpoint-\d+$/.test(f)).map((f) => Number(f.slice(11))).sort((a, b) => a - b);
    const latest = left[left.length - 1]!;
    expect(latest % 32, `killed at checkpoint-${latest}: not mid-epoch`).not.toBe(0); // 32 steps per epoch
    const state = JSON.parse(readFileSync(join(d1, `checkpoint-${latest}`, 'trainer_state.json'), 'utf8'));
    expect(state.batchInEpoch).toBeGreaterThan(0);

    const resumed = descent(...args, '--out', d1, '--resume');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`resuming from ${join(d1, `checkpoint-${latest}`)}`);
    expect(readFileSync(join(d1, 'model.safetensors')).equals(readFileSync(join(d2, 'model.safetensors')))).toBe(true);
    const losses1 = readFileSync(join(d1, 'step_losses.json'), 'utf8');
    expect(JSON.parse(losses1)).toHaveLength(64);
    expect(losses1).toBe(readFileSync(join(d2, 'step_losses.json'), 'utf8'));
    for (const f of ['model.safetensors', 'optimizer.safetensors', 'optimizer.json', 'scheduler.json', 'rng_state.json']) {
      expect(readFileSync(join(d1, 'checkpoint-64', f)).equals(readFileSync(join(d2, 'checkpoint-64', f))), f).toBe(true);
    }
    // The logged history too, all but the wall-clock numbers.
    const history = (d: string) =>
      readFileSync(join(d, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => !('train_runtime' in l));
    expect(history(d1)).toEqual(history(d2));
    const s1 = JSON.parse(readFileSync(join(d1, 'summary.json'), 'utf8'));
    const s2 = JSON.parse(readFileSync(join(d2, 'summary.json'), 'utf8'));
    expect(s1.accuracy).toBe(s2.accuracy);
    expect(s1.loss).toBe(s2.loss);
    expect(s1.resumedFrom).toBe(join(d1, `checkpoint-${latest}`));
  }, 300_000);

  it('--resume alone takes the run\'s saved configuration; flags given again override it', () => {
    const out = fresh('extend');
    trainJson('fashion-mnist', '--model', 'linear', '--samples', '256', '--epochs', '1', '--lr', '0.01', '--out', out);
    const r = trainJson('--resume', '--out', out, '--epochs', '2');
    expect(r.json).toMatchObject({ dataset: 'fashion-mnist', model: 'linear', samples: 256, epochs: 2, steps: 8, resumedFrom: join(out, 'checkpoint-4') });
    expect(r.json.config).toMatchObject({ lr: 0.01, epochs: 2 });
    expect(r.stderr).toMatch(/resuming with --epochs changed from the saved run/);
    expect(JSON.parse(readFileSync(join(out, 'step_losses.json'), 'utf8'))).toHaveLength(8);
    // A checkpoint directory itself works too, and the run directory is its parent.
    const again = trainJson('--resume', join(out, 'checkpoint-8'));
    expect(again.json).toMatchObject({ runDir: out, steps: 8, epochs: 2 });
  });
});

describe('descent train mnist: the main job', () => {
  it('the default recipe on all 60k samples, 3 epochs on wasm, reaches >= 98.0% test accuracy', () => {
    const out = fresh('main');
    const { json, stdout } = (() => {
      const r = descent('train', 'mnist', '--out', out);
      if (r.code !== 0) throw new Error(r.stderr);
      const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
      return { json: s, stdout: r.stdout };
    })();
    expect(json).toMatchObject({ samples: 60000, epochs: 3, steps: 2814, backend: 'wasm' });
    expect(json.accuracy).toBeGreaterThanOrEqual(0.98);
    expect(stdout).toMatch(/^test accuracy 98\.\d\d% .* after 3 epochs \(2814 steps/m);
    console.log(`main job: test accuracy ${(json.accuracy * 100).toFixed(2)}% in ${json.seconds.toFixed(1)} s`);
  }, 900_000);
});
