// The six tfjs-backend-cpu kernels Descent replaces on the cpu backend
// (`installCpuKernels`: conv and depthwise-conv backprops, MaxPoolGrad,
// AvgPoolGrad), each timed alone on LeNet-style MNIST shapes at batch 64:
// tfjs-backend-cpu 4.22's own kernel (after `uninstallCpuKernels`) against
// Descent's (after `installCpuKernels`), same inputs, same backend.
//
// tfjs-cpu's convolution gradients take seconds a call at batch 64, so the
// slowest stock kernels run on a smaller batch and are scaled linearly to 64
// (their cost is linear in the batch: one pass over it). Only @descent/core's
// public API and tfjs. BENCH_QUICK=1 cuts every sampling to a couple of runs.
import * as tf from '@tensorflow/tfjs-core';
import { Generator, cpuKernelNames, installCpuKernels, uninstallCpuKernels, useBackend } from '@descent/core';
import os from 'node:os';
import { machine, median, sampleTimes, table, writeSection } from './_util.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const BATCH = 64;

await useBackend('cpu');
const backend = tf.backend();
const g = new Generator(12);
const tensor = (shape) => {
  const values = new Float32Array(tf.util.sizeFromShape(shape));
  for (let i = 0; i < values.length; i++) values[i] = g.uniform(-1, 1);
  return tf.tensor(values, shape);
};

const valid = { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC' };
const dw = { strides: [1, 1], dilations: [1, 1], pad: 'same' };
const pool = { filterSize: [2, 2], strides: [2, 2], pad: 'valid' };
// [kernel, layer, shapes at batch 64, inputs and attrs at batch n, batch the stock kernel runs at]
const CASES = [
  [tf.Conv2DBackpropFilter, 'conv1 3×3, 1→32', 'x [64,28,28,1], dy [64,26,26,32]', (n) => ({
    inputs: { x: tensor([n, 28, 28, 1]), dy: tensor([n, 26, 26, 32]) },
    attrs: { ...valid, filterShape: [3, 3, 1, 32] },
  }), 16],
  [tf.Conv2DBackpropFilter, 'conv2 3×3, 32→64', 'x [64,13,13,32], dy [64,11,11,64]', (n) => ({
    inputs: { x: tensor([n, 13, 13, 32]), dy: tensor([n, 11, 11, 64]) },
    attrs: { ...valid, filterShape: [3, 3, 32, 64] },
  }), 4],
  [tf.Conv2DBackpropInput, 'conv2 3×3, 32→64', 'dy [64,11,11,64], filter [3,3,32,64]', (n) => ({
    inputs: { dy: tensor([n, 11, 11, 64]), filter: tensor([3, 3, 32, 64]) },
    attrs: { ...valid, inputShape: [n, 13, 13, 32] },
  }), 64],
  [tf.MaxPoolGrad, 'pool1 2×2/2', 'input [64,26,26,32], dy [64,13,13,32]', (n) => ({
    inputs: { dy: tensor([n, 13, 13, 32]), input: tensor([n, 26, 26, 32]), output: tensor([n, 13, 13, 32]) },
    attrs: pool,
  }), 64],
  [tf.AvgPoolGrad, 'pool1 2×2/2', 'input [64,26,26,32], dy [64,13,13,32]', (n) => ({
    inputs: { dy: tensor([n, 13, 13, 32]), input: tensor([n, 26, 26, 32]) },
    attrs: pool,
  }), 64],
  [tf.DepthwiseConv2dNativeBackpropFilter, '3×3 same, 32 channels', 'x [64,26,26,32], dy [64,26,26,32]', (n) => ({
    inputs: { x: tensor([n, 26, 26, 32]), dy: tensor([n, 26, 26, 32]) },
    attrs: { ...dw, filterShape: [3, 3, 32, 1] },
  }), 8],
  [tf.DepthwiseConv2dNativeBackpropInput, '3×3 same, 32 channels', 'dy [64,26,26,32], filter [3,3,32,1]', (n) => ({
    inputs: { dy: tensor([n, 26, 26, 32]), filter: tensor([3, 3, 32, 1]) },
    attrs: { ...dw, inputShape: [n, 26, 26, 32] },
  }), 64],
];
const covered = [...new Set(CASES.map(([name]) => name))].sort();
if (covered.join() !== [...cpuKernelNames].sort().join()) throw new Error(`cases cover ${covered}, Descent replaces ${cpuKernelNames}`);

/** The kernelFunc registered for `name` on cpu once `install` or `uninstall` has run. */
function registered(name, which) {
  (which === 'descent' ? installCpuKernels : uninstallCpuKernels)();
  return tf.getKernel(name, 'cpu').kernelFunc;
}

/** One call of `kernelFunc` on `c`; returns its output's bits, or (timing) frees it. */
function call(kernelFunc, c, keep = false) {
  const out = kernelFunc({ inputs: c.inputs, attrs: c.attrs, backend });
  const bits = keep ? new Uint32Array(Float32Array.from(backend.readSync(out.dataId)).buffer) : null;
  backend.disposeData(out.dataId);
  return bits;
}

const sameBits = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
const opts = (slow) =>
  QUICK ? { warmup: 1, minRuns: 2, maxRuns: 2, budgetMs: 0 } : slow ? { warmup: 1, minRuns: 3, maxRuns: 5, budgetMs: 6000 } : { warmup: 2, minRuns: 7, maxRuns: 40, budgetMs: 2000 };

const loadBefore = os.loadavg().map((v) => v.toFixed(2)).join(', ');
const results = [];
for (const [name, layer, shapes, make, stockBatch] of CASES) {
  const full = make(BATCH);
  const part = stockBatch === BATCH ? full : make(stockBatch);
  const stock = registered(name, 'stock');
  const ours = registered(name, 'descent');
  if (ours === stock) throw new Error(`installCpuKernels did not replace ${name}`);
  const descentTimes = await sampleTimes(() => call(ours, full), opts(false));
  const stockTimes = await sampleTimes(() => call(stock, part), opts(true));
  // Both kernels on the same inputs: the speed-up compares equal work and equal numbers.
  const same = sameBits(call(ours, part, true), call(stock, part, true));
  const r = {
    name, layer, shapes, stockBatch,
    descentMs: median(descentTimes), descentRuns: descentTimes.length,
    stockMs: (median(stockTimes) * BATCH) / stockBatch, stockRuns: stockTimes.length,
    same,
  };
  results.push(r);
  console.error(`${name} ${layer}: stock ${r.stockMs.toFixed(0)} ms${stockBatch === BATCH ? '' : ` (batch ${stockBatch} ×${BATCH / stockBatch})`}, Descent ${r.descentMs.toFixed(2)} ms, ×${(r.stockMs / r.descentMs).toFixed(1)}, same bits: ${same}`);
  tf.dispose([...Object.values(full.inputs), ...(part === full ? [] : Object.values(part.inputs))]);
}
installCpuKernels();
const loadAfter = os.loadavg().map((v) => v.toFixed(2)).join(', ');
console.log(JSON.stringify(results));

const f = (ms) => ms.toFixed(ms < 10 ? 2 : ms < 100 ? 1 : 0);
const rows = results.map((r) => [
  `${r.name}`,
  r.layer,
  r.shapes,
  `${f(r.stockMs)}${r.stockBatch === BATCH ? '' : ` (batch ${r.stockBatch} × ${BATCH / r.stockBatch})`}`,
  f(r.descentMs),
  `**${(r.stockMs / r.descentMs).toFixed(r.stockMs / r.descentMs < 10 ? 1 : 0)}×**`,
  r.same ? 'yes' : '**no**',
]);
const scaled = results.filter((r) => r.stockBatch !== BATCH);

writeSection(
  'cpu-kernels',
  `## cpu kernels: tfjs-backend-cpu's against Descent's, LeNet shapes${QUICK ? ' (smoke run, `BENCH_QUICK=1`)' : ''}

\`useBackend('cpu')\` replaces six tfjs-backend-cpu 4.22 kernels with Descent's (\`installCpuKernels\`; \`uninstallCpuKernels\` puts the
stock ones back): ${cpuKernelNames.map((n) => `\`${n}\``).join(', ')}. They compute the same float32 numbers bit for bit with
direct typed-array loops. Each kernel here runs alone, through the \`kernelFunc\` registered for cpu, on fixed random inputs
(uniform in [-1, 1), \`Generator(12)\`) of a LeNet-style MNIST CNN's layers at batch ${BATCH} (valid 3×3 convolutions, 2×2 pools with stride 2;
the depthwise kernels on a 3×3 same depthwise layer over the first pool's input). Times are ms per call, the median of
several calls after warm-up calls (Descent: ${QUICK ? 2 : '7 to 40'} calls; stock: ${QUICK ? 2 : '3 to 5'}). Stock kernels that take seconds a call
(${scaled.map((r) => `${r.name} ${r.layer.split(' ')[0]}`).join(', ')}) run at the smaller batch shown and are **scaled linearly to
batch ${BATCH}** (their cost is linear in the batch); the others, and every Descent kernel, run at batch ${BATCH}. "Speed-up" is
stock ms ÷ Descent ms (**higher is better**); "same bits": both kernels' outputs on the stock run's inputs agree bit for bit.
Measured ${machine()}; load average before ${loadBefore}, after ${loadAfter}.

${table(['kernel', 'layer', `inputs at batch ${BATCH}`, 'stock ms', 'Descent ms', 'speed-up', 'same bits'], rows)}`,
);
console.error('wrote bench/results/cpu-kernels.md');
