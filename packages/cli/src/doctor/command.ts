// `descent doctor`: every backend adapter, what it found here, what is missing
// and how to get it. Each adapter is started (cuda's libtensorflow only in a
// child process), one after the other.
import { defineOptions, formatHelp, parseOptions, suggest, UsageError } from '../args.js';
import type { Io } from '../lr.js';
import { checkCpu } from './cpu.js';
import { checkCuda } from './cuda.js';
import { ADAPTER_NAMES, type AdapterName, type AdapterReport } from './report.js';
import { checkWasm } from './wasm.js';
import { checkWebgpu } from './webgpu.js';

export const DOCTOR_OPTIONS = defineOptions({
  adapter: { type: 'string', metavar: 'NAMES', help: 'only these adapters, comma-separated (wasm, webgpu, cuda, cpu); default all' },
  require: { type: 'string', metavar: 'NAMES', help: 'exit with status 1 unless these adapters work here, comma-separated' },
  json: { type: 'boolean', help: 'the report as JSON' },
});

import { DOCTOR_USAGE } from './usage.js';

const CHECKS: Record<AdapterName, () => Promise<AdapterReport>> = { wasm: checkWasm, webgpu: checkWebgpu, cuda: checkCuda, cpu: checkCpu };

function adapterList(flag: string, value: string | undefined): AdapterName[] {
  if (value === undefined) return [...ADAPTER_NAMES];
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(ADAPTER_NAMES as readonly string[]).includes(n)) {
      const near = suggest(n, ADAPTER_NAMES);
      throw new UsageError(`invalid value ${JSON.stringify(n)} for --${flag}: ${near ? `did you mean "${near}"? ` : ''}expected one of ${ADAPTER_NAMES.join(', ')}`);
    }
  }
  return names as AdapterName[];
}

/** The text report: a line per adapter, then what it found and what is missing, with the fix. */
export function formatDoctor(reports: readonly AdapterReport[], header: string): string {
  const lines = [header, ''];
  for (const r of reports) {
    lines.push(`${r.name.padEnd(7)} ${(r.status === 'ok' ? 'ok' : 'unavailable').padEnd(12)} ${r.summary}`);
    for (const [label, value] of r.found) lines.push(`  found    ${label}: ${value}`);
    for (const m of r.missing) lines.push(`  missing  ${m.what}`, `           fix: ${m.fix}`);
    lines.push('');
  }
  const first = reports.find((r) => r.status === 'ok' && r.name !== 'cpu');
  lines.push(`useBackend() with no argument starts wasm, or cpu with a notice if wasm cannot start; ${first ? `${first.name} works here.` : 'only cpu works here.'}`);
  return lines.join('\n');
}

export async function doctorCommand(argv: readonly string[], io: Io): Promise<void> {
  const { values, help } = parseOptions(DOCTOR_OPTIONS, argv, { command: 'descent doctor', positionals: false });
  if (help) {
    io.out(formatHelp(DOCTOR_OPTIONS, { usage: DOCTOR_USAGE, description: 'Lists each backend adapter (wasm, webgpu, cuda, cpu): what it found here, what is missing, and how to fix it.' }));
    return;
  }
  const names = adapterList('adapter', values.adapter);
  const required = values.require === undefined ? [] : adapterList('require', values.require);
  for (const r of required) if (!names.includes(r)) names.push(r);
  const tf = await import('@tensorflow/tfjs-core');
  const reports: AdapterReport[] = [];
  // One at a time: each start may switch tfjs's active backend.
  for (const name of ADAPTER_NAMES.filter((n) => names.includes(n))) reports.push(await CHECKS[name]());
  const header = `descent doctor: Node ${process.version} on ${process.platform}-${process.arch}, @tensorflow/tfjs-core ${tf.version_core}`;
  if (values.json) io.out(JSON.stringify({ node: process.version, platform: `${process.platform}-${process.arch}`, tfjsCore: tf.version_core, adapters: reports }, null, 2));
  else io.out(formatDoctor(reports, header));
  const failing = required.filter((n) => reports.find((r) => r.name === n)?.status !== 'ok');
  if (failing.length) throw new DoctorError(`--require ${failing.join(',')}: ${failing.join(', ')} ${failing.length === 1 ? 'does' : 'do'} not work here (see above)`);
}

/** A required adapter does not work: exit status 1. */
export class DoctorError extends Error {
  override name = 'DoctorError';
}
