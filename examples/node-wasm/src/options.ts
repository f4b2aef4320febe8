// The command line of the seed recipe, shared by every runtime's example.
import { parseArgs } from 'node:util';

export interface RecipeOptions {
  /** `hand`: the hand-written loop; `trainer`: the same recipe as one Trainer call. */
  loop: 'hand' | 'trainer';
  /** When StepLR steps: once per epoch (PyTorch's example) or after every optimizer step. */
  schedulerStep: 'epoch' | 'batch';
  amp: 'float16' | 'bfloat16' | 'off';
  epochs: number;
  /** Stop after this many optimizer steps (HF's `max_steps`); 0: run the epochs. */
  steps: number;
  /** Train on the first N training images (0: all 60000). */
  samples: number;
  batchSize: number;
  lr: number;
  seed: number;
  /** Log the running training loss every N steps. */
  logEvery: number;
  /** A `useBackend` name (`wasm`, `webgpu`, `cpu`). */
  backend: string;
  /** wasm's threads (XNNPACK and the optimizer kernels); 0: the adapter's default (the cores, at most 8). */
  threads: number;
}

const USAGE = `options:
  --loop hand|trainer           the hand-written loop (default) or the Trainer call
  --scheduler-step epoch|batch  StepLR after every epoch (default) or every batch
  --amp float16|bfloat16|off    autocast dtype (default float16, with a GradScaler)
  --epochs N                    default 5
  --steps N                     stop after N optimizer steps (default 0: all epochs)
  --samples N                   train on the first N images (default 0: all 60000)
  --batch-size N                default 64
  --lr LR                       Adam's learning rate (default 0.01)
  --seed N                      initialization and shuffling (default 0)
  --log-every N                 default 100
  --backend NAME                default per runtime (wasm here)
  --threads N                   wasm threads (default: the cores, at most 8; one in Deno and Bun)
  --quick                       a smoke run: --samples 6400 --epochs 3 --log-every 50`;

function choice<T extends string>(name: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) throw new Error(`Invalid --${name}: ${value} (expected ${choices.join(', ')})`);
  return value as T;
}

function count(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`Invalid --${name}: ${value} (expected an integer >= ${min})`);
  return n;
}

/** Parses `args` (without the runtime and script); `defaults` are a runtime's own (its backend, its threads). */
export function parseRecipeArgs(args: string[], defaults: Partial<RecipeOptions> = {}): RecipeOptions {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      loop: { type: 'string' },
      'scheduler-step': { type: 'string' },
      amp: { type: 'string' },
      epochs: { type: 'string' },
      steps: { type: 'string' },
      samples: { type: 'string' },
      'batch-size': { type: 'string' },
      lr: { type: 'string' },
      seed: { type: 'string' },
      'log-every': { type: 'string' },
      backend: { type: 'string' },
      threads: { type: 'string' },
      quick: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick ? { samples: 6400, epochs: 3, logEvery: 50 } : {};
  const base: RecipeOptions = {
    loop: 'hand',
    schedulerStep: 'epoch',
    amp: 'float16',
    epochs: 5,
    steps: 0,
    samples: 0,
    batchSize: 64,
    lr: 0.01,
    seed: 0,
    logEvery: 100,
    backend: 'wasm',
    threads: 0,
    ...defaults,
    ...quick,
  };
  const lr = values.lr === undefined ? base.lr : Number(values.lr);
  if (!(lr > 0)) throw new Error(`Invalid --lr: ${values.lr} (expected a positive number)`);
  return {
    loop: values.loop === undefined ? base.loop : choice('loop', values.loop, ['hand', 'trainer'] as const),
    schedulerStep: values['scheduler-step'] === undefined ? base.schedulerStep : choice('scheduler-step', values['scheduler-step'], ['epoch', 'batch'] as const),
    amp: values.amp === undefined ? base.amp : choice('amp', values.amp, ['float16', 'bfloat16', 'off'] as const),
    epochs: values.epochs === undefined ? base.epochs : count('epochs', values.epochs, 1),
    steps: values.steps === undefined ? base.steps : count('steps', values.steps, 0),
    samples: values.samples === undefined ? base.samples : count('samples', values.samples, 0),
    batchSize: values['batch-size'] === undefined ? base.batchSize : count('batch-size', values['batch-size'], 1),
    lr,
    seed: values.seed === undefined ? base.seed : count('seed', values.seed, 0),
    logEvery: values['log-every'] === undefined ? base.logEvery : count('log-every', values['log-every'], 1),
    backend: values.backend ?? base.backend,
    threads: values.threads === undefined ? base.threads : count('threads', values.threads, 1),
  };
}
