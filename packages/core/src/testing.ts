import * as tf from '@tensorflow/tfjs-core';
import type { AttrSpec, AttrValues, FusedAttrs, FusedOp } from './fused/index.js';
import { Generator } from './rng.js';
import { DescentError } from './errors.js';

/** Options of {@link checkKernelAgainstFallback} and {@link assertKernelMatchesFallback}. */
export interface KernelPropertyOptions<I extends string> {
  /** Backend to test on; it must already be registered. Default: the active one. */
  backend?: string;
  /** Number of random cases. Default 25. */
  runs?: number;
  seed?: number;
  /** Makes one case's inputs and attrs from a seeded generator. */
  generate: (rng: Generator, run: number) => { inputs: Record<I, tf.Tensor>; attrs?: FusedAttrs };
  /** Relative and absolute tolerance of `|a-b| <= atol + rtol*|b|`. Defaults 1e-5, 1e-6. */
  rtol?: number;
  atol?: number;
}

/** One output element where the kernel and the fallback disagree. */
export interface KernelMismatch {
  run: number;
  output: string;
  index: number;
  kernel: number;
  fallback: number;
  attrs: FusedAttrs;
}

/** What {@link checkKernelAgainstFallback} found over all its runs. */
export interface KernelPropertyReport {
  backend: string;
  runs: number;
  mismatches: KernelMismatch[];
  /** Largest `|a-b| / max(|b|, atol)` seen. */
  maxRelError: number;
  /** Inputs found changed after a kernel ran: kernels must never write in place. */
  mutatedInputs: string[];
}

function closeEnough(a: number, b: number, rtol: number, atol: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= atol + rtol * Math.abs(b);
}

/**
 * Property test: on random inputs, a backend's kernel for `op` gives the same
 * outputs as the op's composite fallback on that backend, and leaves its inputs
 * unchanged. Returns a report; `assertKernelMatchesFallback` throws on it.
 */
export async function checkKernelAgainstFallback<I extends string, O extends string, A extends AttrSpec>(
  op: FusedOp<I, O, A>,
  options: KernelPropertyOptions<I>,
): Promise<KernelPropertyReport> {
  const backend = options.backend ?? tf.getBackend();
  const previous = tf.getBackend();
  const rtol = options.rtol ?? 1e-5;
  const atol = options.atol ?? 1e-6;
  const runs = options.runs ?? 25;
  const rng = new Generator(options.seed ?? 1234);
  const report: KernelPropertyReport = { backend, runs, mismatches: [], maxRelError: 0, mutatedInputs: [] };
  if (previous !== backend) await tf.setBackend(backend);
  try {
    if (!op.hasKernel(backend)) throw new DescentError(`No ${op.name} kernel is registered for backend "${backend}"`);
    for (let run = 0; run < runs; run++) {
      const { inputs, attrs = {} } = options.generate(rng, run);
      const typed = attrs as AttrValues<A>;
      const before = new Map<string, Float32Array>();
      for (const [name, t] of Object.entries(inputs) as [string, tf.Tensor][]) before.set(name, Float32Array.from(await t.data()));
      const fast = op(inputs, typed);
      const ref = op.fallback(inputs, typed);
      for (const name of op.outputs) {
        const a = await fast[name].data();
        const b = await ref[name].data();
        if (a.length !== b.length) {
          report.mismatches.push({ run, output: name, index: -1, kernel: a.length, fallback: b.length, attrs });
          continue;
        }
        for (let i = 0; i < a.length; i++) {
          const err = Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), atol);
          if (Number.isFinite(err)) report.maxRelError = Math.max(report.maxRelError, err);
          if (!closeEnough(a[i], b[i], rtol, atol) && report.mismatches.length < 20) {
            report.mismatches.push({ run, output: name, index: i, kernel: a[i], fallback: b[i], attrs });
          }
        }
      }
      for (const [name, t] of Object.entries(inputs) as [string, tf.Tensor][]) {
        const now = await t.data();
        const was = before.get(name)!;
        if (now.some((v, i) => !Object.is(v, was[i]))) report.mutatedInputs.push(`run ${run}: ${name}`);
      }
      tf.dispose([...Object.values(fast), ...Object.values(ref), ...Object.values(inputs)] as tf.Tensor[]);
    }
  } finally {
    if (tf.getBackend() !== previous) await tf.setBackend(previous);
  }
  return report;
}

/** Like {@link checkKernelAgainstFallback}, but throws a readable error on any mismatch. */
export async function assertKernelMatchesFallback<I extends string, O extends string, A extends AttrSpec>(
  op: FusedOp<I, O, A>,
  options: KernelPropertyOptions<I>,
): Promise<KernelPropertyReport> {
  const report = await checkKernelAgainstFallback(op, options);
  if (report.mutatedInputs.length > 0) {
    throw new DescentError(`${op.name} kernel on ${report.backend} wrote into its inputs: ${report.mutatedInputs.join(', ')}`);
  }
  if (report.mismatches.length > 0) {
    const lines = report.mismatches
      .slice(0, 5)
      .map((m) => `run ${m.run} ${m.output}[${m.index}]: kernel ${m.kernel} vs fallback ${m.fallback} (attrs ${JSON.stringify(m.attrs)})`);
    throw new DescentError(`${op.name} kernel on ${report.backend} disagrees with its fallback:\n${lines.join('\n')}`);
  }
  return report;
}

/** Random float32 tensor of the given shape, from a seeded generator. */
export function randomTensor(rng: Generator, shape: number[], scale = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.normal() * scale;
  return tf.tensor(data, shape, 'float32');
}
