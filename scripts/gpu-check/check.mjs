// The GPU check's program (bundled with everything it needs by bundle.mjs; run by
// scripts/gpu-check.sh): the WebGPU adapter (Dawn on Vulkan) against tfjs's cpu
// backend, then speed. One section failing does not stop the others.
//   node check.mjs --out DIR [--quick] [--data MNIST_DIR] [--torch-script torch_adam.py]
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as core from '@descent/core';
import * as optim from '@descent/optim';
import { webgpuAdapter } from '@descent/backend-webgpu';
import { benchAdam, timeMs, torchAdam } from './adam-bench.mjs';
import { nativeF16 } from './f16.mjs';
import { mnistEpoch } from './mnist-epoch.mjs';
import { gradientParity, matmulParity, matmulSpeed, optimizerParity } from './parity.mjs';
import { writeReport } from './report.mjs';

const { values: args } = parseArgs({
  options: { out: { type: 'string' }, quick: { type: 'boolean' }, data: { type: 'string' }, 'torch-script': { type: 'string' }, python: { type: 'string' } },
});
if (!args.out) throw new Error('usage: node check.mjs --out DIR [--quick] [--data MNIST_DIR] [--torch-script torch_adam.py]');
const quick = Boolean(args.quick);

function nvidiaSmi() {
  const r = spawnSync('nvidia-smi', ['--query-gpu=name,memory.total,driver_version', '--format=csv,noheader'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().split('\n') : [];
}

const report = { version: 1, mode: quick ? 'quick' : 'full', when: new Date().toISOString(), node: process.versions.node, env: { VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? null }, gpus: nvidiaSmi(), checks: {} };

async function section(name, fn) {
  const t0 = performance.now();
  try {
    report.checks[name] = await fn();
  } catch (err) {
    report.checks[name] = { pass: false, error: String(err?.stack ?? err).split('\n').slice(0, 4).join(' | ') };
  }
  report.checks[name].seconds = (performance.now() - t0) / 1000;
  console.error(`gpu-check: ${name}: ${report.checks[name].pass ? 'pass' : 'FAIL'} (${report.checks[name].seconds.toFixed(1)} s)`);
}

let adapter;
await section('adapter', async () => {
  adapter = await core.useBackend(webgpuAdapter);
  // Keep small ops on the GPU too: this checks the device, not tfjs's CPU forwarding.
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  report.adapter = { name: adapter.name, float16: adapter.capabilities.float16, info: adapter.capabilities.info, fusedKernels: adapter.capabilities.fusedKernels };
  return { pass: tf.getBackend() === 'webgpu', driver: adapter.capabilities.info.driver, shaderF16: adapter.capabilities.float16 };
});

if (adapter) {
  await core.useBackend('cpu').then(() => core.useBackend(webgpuAdapter));
  const gpu = 'webgpu';
  await section('matmul', async () => ({ ...(await matmulParity(gpu, { quick })), speed: await matmulSpeed(gpu, quick ? 512 : 4096, timeMs) }));
  await section('gradients', () => gradientParity(gpu));
  await section('optimizer', () => optimizerParity(gpu, { quick }));
  await section('adamBench', async () => {
    await tf.setBackend(gpu);
    const sizes = quick ? [1_000_000] : [1_000_000, 10_000_000];
    const rows = await benchAdam(tf, optim, { sizes, runs: quick ? 5 : 20, blocks: quick ? 1 : 3 });
    const torch = args['torch-script'] ? torchAdam(args['torch-script'], sizes, { python: args.python ?? 'python3' }) : { error: 'no --torch-script' };
    return { backend: gpu, rows, torch, pass: rows.every((r) => r.ms > 0) };
  });
  await section('mnist', () => mnistEpoch(gpu, { root: args.data, samples: quick ? 2048 : 0, testSamples: quick ? 2000 : 0 }));
  await section('f16', () => nativeF16(gpu, adapter, timeMs, { quick }));
}

report.pass = Object.values(report.checks).every((c) => c.pass);
writeReport(args.out, report);
console.error(`gpu-check: ${report.pass ? 'all checks passed' : 'some checks FAILED'}; report in ${args.out}/gpu-check.{json,md}`);
process.exit(report.pass ? 0 : 1);
