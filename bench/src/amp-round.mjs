// Throughput of @descent/amp's float16/bfloat16 array rounding (one core, plain JS).
// Imported from the package's build output: run `pnpm --filter @descent/amp build` first.
import { encodeBFloat16, encodeFloat16, roundToBFloat16, roundToFloat16 } from '../../packages/amp/dist/index.js';
import os from 'node:os';
import { machine, median, table, writeSection } from './_util.mjs';

const n = 1 << 20;
const fill = (f) => {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = f();
  return a;
};
const gauss = () => Math.sqrt(-2 * Math.log(Math.random() || 1e-12)) * Math.cos(2 * Math.PI * Math.random());
const normal = fill(gauss);
const uniform = fill(Math.random);
// Gradient-like: scales 1e-6..10, so about a third fall in half's subnormal range (the slow branch).
const mixed = fill(() => gauss() * 10 ** (Math.floor(Math.random() * 8) - 6));
const bits = new Float32Array(n);
const bu = new Uint32Array(bits.buffer);
for (let i = 0; i < n; i++) bu[i] = (Math.random() * 2 ** 32) >>> 0;
const out = new Float32Array(n);

const rows = [];
const cases = [
  ['roundToFloat16, N(0,1), into out', normal, (x) => roundToFloat16(x, out)],
  ['roundToFloat16, U(0,1), into out', uniform, (x) => roundToFloat16(x, out)],
  ['roundToFloat16, N(0,1), new array', normal, (x) => roundToFloat16(x)],
  ['roundToFloat16, gradient-like mixed scales', mixed, (x) => roundToFloat16(x, out)],
  ['roundToFloat16, random bit patterns', bits, (x) => roundToFloat16(x, out)],
  ['roundToBFloat16, N(0,1), into out', normal, (x) => roundToBFloat16(x, out)],
  ['roundToBFloat16, random bit patterns', bits, (x) => roundToBFloat16(x, out)],
  ['encodeFloat16 (to Uint16Array)', normal, (x) => encodeFloat16(x)],
  ['encodeBFloat16 (to Uint16Array)', normal, (x) => encodeBFloat16(x)],
];
const RUNS = 60;
for (const [name, input, fn] of cases) {
  for (let i = 0; i < 3; i++) fn(input);
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    fn(input);
    times.push(performance.now() - t0);
  }
  const ms = median(times);
  const best = Math.min(...times);
  const rate = (t) => n / (t / 1000) / 1e6;
  rows.push([name, ms.toFixed(2), rate(ms).toFixed(0), best.toFixed(2), rate(best).toFixed(0), (rate(best) / 500).toFixed(2)]);
  console.log(name, ms.toFixed(2), 'ms', rate(ms).toFixed(0), 'M values/s; best', rate(best).toFixed(0));
}

writeSection(
  'amp-round',
  `## Mixed precision: float16/bfloat16 rounding throughput

${n.toLocaleString('en-US')} float32 values per call, one core, median and best of 60 runs (the best is the better estimate on a shared machine); load average during the run: ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores. Target: 500 M values/s. The float16 loop branches on the value class, so data with many half-subnormals or random bit patterns (mispredicted branches) is slower than N(0,1) data; bfloat16 is one branch-free integer expression.

${table(['operation', 'median ms', 'M values/s (median)', 'best ms', 'M values/s (best)', 'best vs 500 M/s'], rows)}

${machine()}`,
);
