// The check's report: gpu-check.json (everything) and gpu-check.md (the tables),
// each written to a temp file and renamed.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { adamTable } from './adam-bench.mjs';

function writeAtomic(path, text) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

const e = (x) => (x === undefined || x === null ? '–' : typeof x === 'number' ? (x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential(2) : +x.toFixed(4)) : String(x));
const mark = (c) => (c?.error ? `error: ${c.error}` : c?.pass ? 'pass' : 'FAIL');

export function markdown(r) {
  const c = r.checks;
  const out = [`# GPU check (${r.mode})`, '', `${r.when} · Node ${r.node} · ${r.adapter?.info?.description || r.adapter?.info?.device || 'no adapter'} (${r.adapter?.info?.driver ?? '?'})`, ''];
  out.push(`**${r.pass ? 'All checks passed.' : 'Some checks failed.'}**`, '');
  out.push('| check | result |', '|---|---|');
  for (const [name, v] of Object.entries(c)) out.push(`| ${name} | ${mark(v)} |`);
  if (r.gpus?.length) out.push('', `nvidia-smi: ${r.gpus.join('; ')}`);
  if (c.matmul?.rows) {
    out.push('', `## Matmul against cpu (tolerance ${e(c.matmul.tolerance)}, error relative to the largest value)`, '', '| product | rel. error |', '|---|---|');
    for (const row of c.matmul.rows) out.push(`| ${row.shape} | ${e(row.relError)} |`);
    if (c.matmul.speed) out.push('', `${c.matmul.speed.n}×${c.matmul.speed.n} float32 matmul: ${e(c.matmul.speed.ms)} ms, ${c.matmul.speed.gflops.toFixed(c.matmul.speed.gflops < 10 ? 2 : 0)} GFLOP/s`);
  }
  if (c.gradients?.rows) {
    out.push('', `## Gradients against cpu (tolerance ${e(c.gradients.tolerance)})`, '', '| net | tensor | rel. error |', '|---|---|---|');
    for (const row of c.gradients.rows) out.push(`| ${row.net} | ${row.tensor} | ${e(row.relError)} |`);
  }
  if (c.optimizer?.kernels) {
    out.push('', '## Optimizer kernels against their fallbacks on the device', '', '| op | kernel | max rel. error | mismatches |', '|---|---|---|---|');
    for (const k of c.optimizer.kernels) out.push(`| ${k.op} | ${k.kernel ? 'yes' : 'fallback'} | ${e(k.maxRelError)} | ${e(k.mismatches)} |`);
    const a = c.optimizer.adamSteps;
    out.push('', `${a.steps} AdamW steps on ${a.params} parameters, device against cpu: rel. error ${e(a.relError)}`);
  }
  if (c.adamBench?.rows) {
    out.push('', `## One Adam step (${c.adamBench.backend}; PyTorch ${c.adamBench.torch?.info ? `${c.adamBench.torch.info.torch} on ${c.adamBench.torch.info.device}` : `not run: ${c.adamBench.torch?.error}`})`, '');
    out.push(adamTable(c.adamBench.rows, c.adamBench.torch));
  }
  if (c.mnist?.steps) {
    const m = c.mnist;
    out.push('', '## One MNIST epoch of the trainer (MLP 784-256-10, AdamW, cosine, batch 64)', '');
    out.push(`${m.samples} images, ${m.steps} steps in ${m.seconds.toFixed(1)} s (${m.stepsPerSecond.toFixed(m.stepsPerSecond < 10 ? 1 : 0)} steps/s); test accuracy ${(m.testAccuracy * 100).toFixed(2)}% on ${m.testSamples} images, loss ${m.testLoss.toFixed(4)}; tensors leaked: ${m.leakedTensors}`);
  }
  if (c.f16) {
    out.push('', '## Native f16 under autocast', '');
    if (!c.f16.offered) out.push(c.f16.note ?? 'not offered');
    else out.push(`${c.f16.shape}: ${(c.f16.equalFraction * 100).toFixed(2)}% of values equal to cpu's emulation bit for bit, max diff ${e(c.f16.maxAbsDiff)} (${e(c.f16.relToMax)} of the largest); ${e(c.f16.f16ms)} ms native f16 against ${e(c.f16.f32ms)} ms float32`);
  }
  return `${out.join('\n')}\n`;
}

export function writeReport(dir, report) {
  mkdirSync(dir, { recursive: true });
  writeAtomic(join(dir, 'gpu-check.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeAtomic(join(dir, 'gpu-check.md'), markdown(report));
}
