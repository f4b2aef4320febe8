// The layer-coverage suite for one backend: one test per case, each training
// the case on cpu (the reference) and on the backend in the same process.
// A layer type that cannot train fails its test; nothing is skipped.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { cpuAdapter, useBackend, type BackendAdapter } from '@descent/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASES } from './cases.js';
import { runCase, OPTIMIZER, type CaseResult } from './run.js';

/**
 * float32 tolerances, |got - cpu| <= atol + rtol·|cpu|. Gradients: the
 * backends sum conv/matmul/reduction terms in other orders (XNNPACK's and
 * WGSL's tiling, split sums) and use other exp/tanh, which costs a few ulps of
 * the largest term, not of the result: rtol 1e-4 leaves room for sums of ~100
 * terms with some cancellation, atol 1e-5 for elements that cancel to ~0
 * (gradients here are O(0.01..1)). Loss: one forward pass, no backward sums.
 * Weights: the AdamW step moves each by at most lr = 1e-3 and its
 * d(update)/dg ≤ 1 (see OPTIMIZER), so they differ by less than the gradients.
 * Measured: every backend stays within 2% of these (the records' `worst`).
 */
export const TOLERANCE = {
  loss: { rtol: 1e-5, atol: 1e-6 },
  grads: { rtol: 1e-4, atol: 1e-5 },
  weights: { rtol: 1e-5, atol: 1e-5 },
} as const;

/** The largest |got - want| / (atol + rtol·|want|) over the elements, and where (≤ 1 is within tolerance). */
export function worst(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, atol: number): { ratio: number; index: number; got: number; want: number } {
  let w = { ratio: 0, index: -1, got: NaN, want: NaN };
  if (got.length !== want.length) return { ratio: Infinity, index: -1, got: got.length, want: want.length };
  for (let i = 0; i < got.length; i++) {
    const diff = Math.abs(got[i] - want[i]);
    const ratio = Number.isNaN(diff) ? Infinity : diff / (atol + rtol * Math.abs(want[i]));
    if (ratio > w.ratio) w = { ratio, index: i, got: got[i], want: want[i] };
  }
  return w;
}

/** What is wrong with one run on its own: missing or non-finite or all-zero gradients, leaks. */
function ownProblems(r: CaseResult): string[] {
  const problems: string[] = [];
  if (r.missingGrads.length) problems.push(`${r.backend}: no gradient for ${r.missingGrads.join(', ')}`);
  if (!Number.isFinite(r.loss)) problems.push(`${r.backend}: loss is ${r.loss}`);
  r.grads.forEach((g, i) => {
    const bad = g.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) problems.push(`${r.backend}: gradient of ${r.gradNames[i]} is ${g[bad]} at ${bad}`);
    // Nonzero somewhere, above rounding noise: a weight the loss does not reach is a broken gradient.
    if (!g.some((v) => Math.abs(v) > 1e-6)) problems.push(`${r.backend}: gradient of ${r.gradNames[i]} is zero everywhere`);
  });
  if (r.leaked !== 0) problems.push(`${r.backend}: a training step leaks ${r.leaked} tensor(s)`);
  return problems;
}

interface Comparison {
  what: string;
  ratio: number;
  detail: string;
}

function compare(got: CaseResult, ref: CaseResult): Comparison[] {
  const out: Comparison[] = [];
  const add = (what: string, a: ArrayLike<number>, e: ArrayLike<number>, tol: { rtol: number; atol: number }) => {
    const w = worst(a, e, tol.rtol, tol.atol);
    out.push({ what, ratio: w.ratio, detail: `${what}: ${w.got} vs cpu ${w.want} at [${w.index}] (${w.ratio.toFixed(2)}× the tolerance)` });
  };
  add('loss', [got.loss], [ref.loss], TOLERANCE.loss);
  if (got.grads.length !== ref.grads.length) out.push({ what: 'grads', ratio: Infinity, detail: `${got.grads.length} gradients, cpu has ${ref.grads.length}` });
  if (got.weights.length !== ref.weights.length) out.push({ what: 'weights', ratio: Infinity, detail: `${got.weights.length} weights, cpu has ${ref.weights.length}` });
  got.grads.forEach((g, i) => add(`grad ${got.gradNames[i]}`, g, ref.grads[i] ?? [], TOLERANCE.grads));
  got.weights.forEach((w, i) => add(`weight ${got.weightNames[i]}`, w, ref.weights[i] ?? [], TOLERANCE.weights));
  return out;
}

export interface Verdict {
  /** Everything wrong, one line each; empty when the case passes. */
  problems: string[];
  /** The worst ratio to the tolerance of loss, gradients and weights (≤ 1 passes). */
  worst: { loss: number; grads: number; weights: number };
}

/** Checks a backend's run of a case against cpu's: each trains cleanly, and the numbers agree. */
export function verify(got: CaseResult, ref: CaseResult): Verdict {
  const comparisons = compare(got, ref);
  const max = (prefix: string) => Math.max(0, ...comparisons.filter((k) => k.what.startsWith(prefix)).map((k) => k.ratio));
  return {
    problems: [...ownProblems(ref), ...ownProblems(got), ...comparisons.filter((k) => !(k.ratio <= 1)).map((k) => k.detail)],
    worst: { loss: max('loss'), grads: max('grad'), weights: max('weight ') },
  };
}

interface Outcome {
  name: string;
  pass: boolean;
  error?: string;
  worst?: Verdict['worst'];
  ms?: { cpu: number; backend: number };
}

// The repository's .test-results (gitignored; scripts/test.mjs writes its report there too).
const RECORD_DIR = fileURLToPath(new URL('../../../.test-results/', import.meta.url));

/** Writes `.test-results/layer-coverage-<label>.json`. */
export function writeRecord(label: string, record: unknown): void {
  mkdirSync(RECORD_DIR, { recursive: true });
  writeFileSync(join(RECORD_DIR, `layer-coverage-${label}.json`), `${JSON.stringify(record, null, 2)}\n`);
}

/** `useBackend(adapter)`, checked, then `after`. */
export async function activate(adapter: BackendAdapter, after?: () => void): Promise<void> {
  await useBackend(adapter);
  if (tf.getBackend() !== adapter.backendName) throw new Error(`useBackend(${adapter.name}) left tfjs on ${tf.getBackend()}`);
  after?.();
}

export interface SuiteOptions {
  /** Runs after every activation of the backend (webgpu: keep small ops on the GPU). */
  afterActivate?: () => void;
}

/** Registers the suite: `label` names the backend (and driver) in test names, the log and the record file. */
export function layerCoverageSuite(label: string, adapter: BackendAdapter, options: SuiteOptions = {}): void {
  const outcomes: Outcome[] = [];
  let started = 0;

  describe(`layer coverage on ${label}`, () => {
    beforeAll(() => {
      started = performance.now();
    });

    for (const c of CASES) {
      it(`${c.name} trains one step and agrees with cpu`, async () => {
        const outcome: Outcome = { name: c.name, pass: false };
        outcomes.push(outcome);
        try {
          await activate(cpuAdapter);
          const ref = await runCase(c);
          await activate(adapter, options.afterActivate);
          const got = await runCase(c);
          outcome.ms = { cpu: ref.ms, backend: got.ms };
          const verdict = verify(got, ref);
          outcome.worst = verdict.worst;
          if (verdict.problems.length) outcome.error = verdict.problems.join('; ');
          expect(verdict.problems).toEqual([]);
          outcome.pass = true;
        } catch (err) {
          outcome.error ??= (err as Error).message;
          throw err;
        }
      });
    }

    afterAll(() => {
      const passed = outcomes.filter((o) => o.pass).length;
      const ms = performance.now() - started;
      const failures = outcomes.filter((o) => !o.pass).map((o) => `  ${o.name}: ${(o.error ?? '').split('\n')[0]}`);
      console.info([`layer coverage on ${label}: ${passed}/${CASES.length} layer types train (${(ms / 1000).toFixed(1)} s)`, ...failures].join('\n'));
      const record = {
        backend: label,
        adapter: { name: adapter.name, info: adapter.capabilities.info },
        passed,
        total: CASES.length,
        ms,
        optimizer: { name: 'AdamW', ...OPTIMIZER },
        tolerance: TOLERANCE,
        cases: outcomes,
      };
      writeRecord(label, record);
    });
  });
}
