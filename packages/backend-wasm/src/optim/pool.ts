import { DescentError } from '@descent/core';
import { isNode } from '../wasm-paths.js';
import { startWorker, type PoolWorker } from './pool-worker.js';
import type { OptimExports } from './module.js';
import { OPTIM_SIGNATURES } from './generated/optim-signatures.js';

// Runs the optimizer kernels on several threads over tfjs-wasm's heap, when
// that heap is a shared memory (tfjs-wasm with threads). Each worker has its
// own instance of the kernel module on the same memory; a step is split into
// contiguous parts, one per thread, and the main thread takes part 0 and then
// waits, so `step()` stays synchronous. The elementwise kernels compute each
// element by the same code wherever the part boundaries fall, so results are
// bit-identical to one thread. Those that reduce over the whole tensor run on one.

/**
 * The exports of asm/optim.ts that reduce over the whole tensor, so cannot be
 * split into parts: LAMB (trust ratio), Adafactor (RMS of the param and of the
 * update; the factored one also sums rows and columns), Muon's momentum (norm).
 */
export const REDUCING_EXPORTS: readonly string[] = ['lamb', 'adafactor', 'adafactorFactored', 'muonMomentum'];

/**
 * The exports that split themselves: their last two parameters are `part` and
 * `parts`, and each call computes its own share (asm/gemm.ts: a range of
 * column panels or rows). Each thread gets its index as `part`.
 */
export const PARTITIONED_EXPORTS: readonly string[] = Object.entries(OPTIM_SIGNATURES)
  .filter(([, params]) => params.length >= 2 && params.at(-2)![0] === 'part' && params.at(-1)![0] === 'parts')
  .map(([name]) => name);

/**
 * How many byte-offset arguments come before `n` in each elementwise export of
 * asm/optim.ts (from its generated signatures; the reducing ones are not split).
 */
export const POINTER_ARGS: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(OPTIM_SIGNATURES)
    .filter(([name]) => !REDUCING_EXPORTS.includes(name) && !PARTITIONED_EXPORTS.includes(name))
    .map(([name, params]) => [name, params.findIndex(([p]) => p === 'n')]),
);

/** Below this many elements a wake-up of the workers costs more than it saves. */
export const MIN_PARALLEL = 1 << 15;
/** The same for a partitioned export, in units of the `work` its caller passes (a GEMM's multiply-adds). */
export const MIN_PARALLEL_WORK = 1 << 17;

// Elementwise exports first, then the partitioned ones (pointer index -1).
const NAMES = [...Object.keys(POINTER_ARGS), ...PARTITIONED_EXPORTS];
const POINTERS = NAMES.map((name) => POINTER_ARGS[name] ?? -1);
const MAX_ARGS = 32;
// Int32 control words.
const SEQ = 0; // bumped for every job; workers wait on it
const DONE = 1; // parts finished by workers
const FN = 2; // index into NAMES, or -1 to stop
const COUNT = 3; // number of arguments
const WAIT_MS = 10_000;
// Sleeping in Atomics.wait and being woken costs ~35 µs each way on this kind
// of VM, more than a 64K-element part takes. So a worker polls for the next
// job a while after each one (the next parameter of the same step follows
// within microseconds), and the main thread polls for the workers' parts.
const WORKER_SPIN_MS = 0.2;
const MAIN_SPIN_MS = 2;

/**
 * The arguments of part `i` of `parts`: every non-null pointer before `n`
 * moves to the part's first element, `n` becomes the part's length. Parts are
 * multiples of 16 elements (whole cache lines). Null when the part is empty.
 */
export function partArgs(args: ArrayLike<number>, count: number, pointers: number, i: number, parts: number): number[] | null {
  const n = args[pointers];
  const chunk = Math.ceil(n / parts / 16) * 16;
  const start = i * chunk;
  const end = Math.min(n, start + chunk);
  if (start >= end) return null;
  const out: number[] = [];
  for (let j = 0; j < count; j++) out.push(args[j]);
  for (let j = 0; j < pointers; j++) if (out[j] !== 0) out[j] += 4 * start;
  out[pointers] = end - start;
  return out;
}

/**
 * {@link partArgs} as source for the worker. Written out, not taken from
 * `partArgs.toString()`: a minifier (an app's Vite build) may rename what that
 * text refers to, and the worker then fails with a ReferenceError. A test checks
 * that both compute the same parts.
 */
export const PART_ARGS_SOURCE = `(args, count, pointers, i, parts) => {
  const n = args[pointers];
  const chunk = Math.ceil(n / parts / 16) * 16;
  const start = i * chunk;
  const end = Math.min(n, start + chunk);
  if (start >= end) return null;
  const out = [];
  for (let j = 0; j < count; j++) out.push(args[j]);
  for (let j = 0; j < pointers; j++) if (out[j] !== 0) out[j] += 4 * start;
  out[pointers] = end - start;
  return out;
}`;

// The worker: instantiate the module on the shared memory, then run parts until told to stop.
const WORKER = `
const run = ({ module, memory, control, args, index, parts, names, pointers }, post) => {
  const partArgs = ${PART_ARGS_SOURCE};
  const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const ctl = new Int32Array(control);
  const f64 = new Float64Array(args);
  let seen = Atomics.load(ctl, ${SEQ});
  let spin = 0;
  post('ready');
  for (;;) {
    const until = performance.now() + spin;
    while (Atomics.load(ctl, ${SEQ}) === seen && performance.now() < until);
    Atomics.wait(ctl, ${SEQ}, seen);
    seen = Atomics.load(ctl, ${SEQ});
    const fn = ctl[${FN}];
    if (fn < 0) break;
    const count = ctl[${COUNT}];
    let a;
    if (pointers[fn] >= 0) a = partArgs(f64, count, pointers[fn], index, parts);
    else {
      a = Array.from(f64.subarray(0, count));
      a[count - 2] = index;
      a[count - 1] = parts;
    }
    if (a) k[names[fn]](...a);
    // A partitioned job (a GEMM) is rarely followed at once by another job;
    // spinning then only takes the core from XNNPACK's threads and the main one.
    spin = pointers[fn] >= 0 ? ${WORKER_SPIN_MS} : 0;
    Atomics.add(ctl, ${DONE}, 1);
    Atomics.notify(ctl, ${DONE});
  }
};
`;

/** Timed calls per way (split and one thread) before a size class picks the faster. */
const TUNE_SAMPLES = 5;
/** Calls after which a size class measures again (the machine's load changes). */
const RETUNE_EVERY = 4000;

interface Tuning {
  split: number[];
  single: number[];
  choice: 'split' | 'single' | null;
  calls: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** A pool of `threads - 1` workers (the main thread is the last one) running the kernel module on one shared memory. */
export class KernelPool {
  readonly threads: number;
  /** Calls that were split across the threads. */
  parallelCalls = 0;
  /**
   * Whether each size class (⌊log₂ n⌋) times both ways on its first calls and
   * then takes the faster. Splitting wins on an idle machine, but in a training
   * step XNNPACK's own workers are still spinning after the backward matmuls, and
   * on 2 vCPUs that are hyperthreads of one core the split can take twice as
   * long as one thread. Results are the same bits either way (elementwise kernels).
   */
  autoTune = true;
  private readonly tuning = new Map<number, Tuning>();
  private readonly ctl = new Int32Array(new SharedArrayBuffer(16));
  private readonly args = new Float64Array(new SharedArrayBuffer(8 * MAX_ARGS));
  private workers: PoolWorker[] = [];
  // Node's main thread may block in Atomics.wait; a browser's main thread may not, so it polls.
  private readonly canBlock = isNode();
  private broken = false;

  private constructor(threads: number) {
    this.threads = threads;
  }

  /** Starts the workers and resolves once all of them have instantiated the module. */
  static async start(module: WebAssembly.Module, memory: WebAssembly.Memory, threads: number): Promise<KernelPool> {
    const pool = new KernelPool(threads);
    const pointers = POINTERS;
    const started = await Promise.allSettled(
      Array.from({ length: threads - 1 }, (_, i) =>
        startWorker(WORKER, { module, memory, control: pool.ctl.buffer, args: pool.args.buffer, index: i + 1, parts: threads, names: NAMES, pointers }),
      ),
    );
    for (const r of started) if (r.status === 'fulfilled') pool.workers.push(r.value);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) {
      await pool.close();
      throw failed.reason;
    }
    return pool;
  }

  /**
   * Calls export `name` of `k` (the main thread's instance), split across the
   * pool when it is elementwise or partitioned and large. A partitioned
   * export's caller passes `part = 0, parts = 1` (one thread's call) and its
   * amount of `work`.
   */
  call(k: OptimExports, name: string, args: number[], work?: number): void {
    const fn = NAMES.indexOf(name);
    const pointers = POINTERS[fn];
    const run = k[name as keyof OptimExports] as (...a: number[]) => void;
    const size = pointers >= 0 ? args[pointers] : (work ?? 0);
    if (this.broken || this.workers.length === 0 || fn < 0 || size < (pointers >= 0 ? MIN_PARALLEL : MIN_PARALLEL_WORK)) {
      run(...args);
      return;
    }
    if (!this.autoTune) {
      this.split(name, args, fn, pointers, run);
      return;
    }
    // Partitioned exports tune in size classes of their own.
    const sizeClass = (pointers >= 0 ? 0 : 64) + 31 - Math.clz32(Math.min(size, 2 ** 31 - 1));
    let t = this.tuning.get(sizeClass);
    if (!t || ++t.calls > RETUNE_EVERY) {
      t = { split: [], single: [], choice: null, calls: 0 };
      this.tuning.set(sizeClass, t);
    }
    if (t.choice === 'single') return run(...args);
    if (t.choice === 'split') return this.split(name, args, fn, pointers, run);
    const splitNow = t.split.length <= t.single.length;
    const t0 = performance.now();
    if (splitNow) this.split(name, args, fn, pointers, run);
    else run(...args);
    (splitNow ? t.split : t.single).push(performance.now() - t0);
    if (t.single.length >= TUNE_SAMPLES && t.split.length >= TUNE_SAMPLES) t.choice = median(t.split) < median(t.single) ? 'split' : 'single';
  }

  /** Runs one call split across every thread; the main thread takes part 0. */
  private split(name: string, args: number[], fn: number, pointers: number, run: (...a: number[]) => void): void {
    const { ctl } = this;
    this.parallelCalls++;
    this.args.set(args);
    ctl[COUNT] = args.length;
    ctl[FN] = fn;
    Atomics.store(ctl, DONE, 0);
    Atomics.add(ctl, SEQ, 1);
    Atomics.notify(ctl, SEQ);
    const mine = pointers >= 0 ? partArgs(args, args.length, pointers, 0, this.threads) : [...args.slice(0, -2), 0, this.threads];
    if (mine) run(...mine);
    const want = this.workers.length;
    const spinUntil = performance.now() + (this.canBlock ? MAIN_SPIN_MS : WAIT_MS);
    while (Atomics.load(ctl, DONE) < want && performance.now() < spinUntil);
    const deadline = Date.now() + WAIT_MS;
    for (let done = Atomics.load(ctl, DONE); done < want; done = Atomics.load(ctl, DONE)) {
      if (!this.canBlock || (Atomics.wait(ctl, DONE, done, WAIT_MS) === 'timed-out' && Date.now() >= deadline)) {
        // A worker died: run on this thread from now on (its part may be
        // missing from this step's outputs, so the step fails loudly).
        this.broken = true;
        throw new DescentError(`optimizer kernel workers did not finish ${name} within ${WAIT_MS} ms; later steps run on one thread`);
      }
    }
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    Atomics.store(this.ctl, FN, -1);
    Atomics.add(this.ctl, SEQ, 1);
    Atomics.notify(this.ctl, SEQ);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
