// Cost of @descent/amp's mixed precision: one SGD step of a 784-256-10 MLP at batch 64
// in float32, under autocast float16 (emulated: inputs and outputs of every matmul
// rounded on the backend) and with GradScaler added; on cpu, wasm and WebGPU (lavapipe),
// where autocast runs matmuls in native f16 WGSL kernels. Plus AmpUnscale throughput.
// Each backend runs in its own child process. Build first: `pnpm --filter @descent/amp build`;
// webgpu needs scripts/provision.d/webgpu.sh.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, median, sampleTimes, table, writeSection } from './_util.mjs';

const self = fileURLToPath(import.meta.url);
const root = join(dirname(self), '..', '..');
const icdIndex = join(root, '.cache', 'webgpu-drivers', 'icd.json');

const sample = async (fn, options) => median(await sampleTimes(fn, options));

async function measure(which) {
  const tf = await import('@tensorflow/tfjs-core');
  const { useBackend } = await import('@descent/core');
  const amp = await import('../../packages/amp/dist/index.js');
  if (which === 'webgpu') {
    const { webgpuAdapter } = await import('@descent/backend-webgpu');
    await useBackend(webgpuAdapter);
    tf.env().set('WEBGPU_CPU_FORWARD', false);
  } else {
    await useBackend(which);
  }
  const v = (shape, name) => tf.variable(tf.mul(tf.randomNormal(shape), 0.05), true, name);
  const params = [v([784, 256], 'w1'), v([256], 'b1'), v([256, 10], 'w2'), v([10], 'b2')];
  const x = tf.randomNormal([64, 784]);
  const y = tf.oneHot(tf.randomUniform([64], 0, 10, 'int32'), 10);
  const opt = { step: (grads) => tf.tidy(() => params.forEach((p) => p.assign(tf.sub(p, tf.mul(grads[p.name], 0.01))))) };
  const loss = () => {
    const h = tf.relu(tf.add(tf.matMul(x, params[0]), params[1]));
    return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(h, params[2]), params[3]));
  };
  const scaler = new amp.GradScaler();
  const steps = {
    float32: async () => {
      const { value, grads } = tf.variableGrads(loss, params);
      opt.step(grads);
      await value.data();
      tf.dispose([value, ...Object.values(grads)]);
    },
    'autocast f16': async () => {
      const { value, grads } = amp.autocast(() => tf.variableGrads(loss, params));
      opt.step(grads);
      await value.data();
      tf.dispose([value, ...Object.values(grads)]);
    },
    'autocast f16 + GradScaler': async () => {
      const { value, grads } = amp.autocast(() => tf.variableGrads(() => scaler.scale(loss()), params));
      await scaler.step(opt, grads);
      scaler.update();
      await value.data();
      tf.dispose([value, ...Object.values(grads)]);
    },
  };
  // Interleaved rounds, so that load drift on a shared machine hits every variant alike.
  const out = {};
  const times = Object.fromEntries(Object.keys(steps).map((k) => [k, []]));
  for (const fn of Object.values(steps)) for (let i = 0; i < 2; i++) await fn();
  const rounds = which === 'cpu' ? 12 : 25;
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(steps)) {
      const t0 = performance.now();
      await fn();
      times[name].push(performance.now() - t0);
    }
  }
  for (const name of Object.keys(steps)) out[name] = median(times[name]);
  // A matmul alone: float32, emulated f16 and (on webgpu) native f16.
  const a = tf.randomNormal([512, 512]);
  const b = tf.randomNormal([512, 512]);
  const mm = async (f) => {
    const r = f();
    await r.data();
    r.dispose();
  };
  out['matmul 512 f32'] = await sample(() => mm(() => tf.matMul(a, b)));
  if (which === 'webgpu') {
    // The adapter's init registered amp's webgpu kernels; switch the f16 matmul variant.
    const { registerWebGPUAmpKernels } = await import('@descent/backend-webgpu');
    registerWebGPUAmpKernels({ matmul: 'simple' });
    out['matmul 512 f16 native (simple)'] = await sample(() => mm(() => amp.autocast(() => tf.matMul(a, b))));
    registerWebGPUAmpKernels({ matmul: 'tiled' });
    out['matmul 512 f16 native (tiled)'] = await sample(() => mm(() => amp.autocast(() => tf.matMul(a, b))), { maxRuns: 8 });
    registerWebGPUAmpKernels({ nativeHalf: false });
  }
  out['matmul 512 f16 emulated'] = await sample(() => mm(() => amp.autocast(() => tf.matMul(a, b))));
  // AmpUnscale on a 1M-element gradient: the backend's kernel against the composite fallback.
  const g = tf.randomNormal([1 << 20]);
  const un = async (f) => {
    const { unscaled, nonFinite } = f({ grad: g }, { invScale: 2 ** -16 });
    await nonFinite.data();
    await unscaled.data();
    tf.dispose([unscaled, nonFinite]);
  };
  out['unscale 1M kernel'] = await sample(() => un(amp.ampUnscale));
  out['unscale 1M fallback'] = await sample(() => un(amp.ampUnscale.fallback));
  return out;
}

if (process.argv[2]) {
  console.log(JSON.stringify(await measure(process.argv[2])));
} else {
  const results = {};
  const icd = existsSync(icdIndex) ? JSON.parse(readFileSync(icdIndex, 'utf8')).lavapipe : null;
  for (const which of ['cpu', 'wasm', 'webgpu']) {
    if (which === 'webgpu' && !icd) {
      console.log('webgpu: no lavapipe ICD (run scripts/provision.d/webgpu.sh); left out');
      continue;
    }
    const env = { ...process.env, ...(which === 'webgpu' ? { VK_ICD_FILENAMES: icd } : {}) };
    const r = spawnSync('node', [self, which], { encoding: 'utf8', env });
    if (r.status !== 0) throw new Error(`${which} failed:\n${r.stderr}`);
    results[which] = JSON.parse(r.stdout.trim().split('\n').at(-1));
    console.log(which, results[which]);
  }
  const f = (ms) => (ms === undefined ? '—' : ms.toFixed(ms < 10 ? 2 : 1));
  const ratio = (a, b) => (a === undefined ? '—' : `${(a / b).toFixed(2)}×`);
  const names = Object.keys(results);
  const stepRows = ['float32', 'autocast f16', 'autocast f16 + GradScaler'].map((k) => [
    k,
    ...names.flatMap((n) => [f(results[n][k]), ratio(results[n][k], results[n].float32)]),
  ]);
  const opRows = ['matmul 512 f32', 'matmul 512 f16 emulated', 'matmul 512 f16 native (simple)', 'matmul 512 f16 native (tiled)', 'unscale 1M kernel', 'unscale 1M fallback'].map((k) => [
    k,
    ...names.map((n) => f(results[n][k])),
  ]);
  writeSection(
    'amp-autocast',
    `## Mixed precision: autocast and GradScaler cost

Medians in ms. Step: one SGD step of a 784-256-10 MLP at batch 64 (forward, backward, update, loss read back), in float32,
under \`autocast\` float16, and with \`GradScaler\` (scale, fused unscale + inf check, skip test, update) added. On cpu and
wasm float16 is emulated (each matmul's inputs and output rounded on the backend); on WebGPU (Dawn on lavapipe, a CPU
Vulkan driver with \`shader-f16\`) autocast's matmuls run in f16 WGSL kernels (f16 storage, f32 accumulation). Each backend in
its own process. Measured ${machine()}; load average ${os.loadavg()[0].toFixed(1)} on a shared machine, so single rows can be off
by tens of percent; the step variants run in interleaved rounds so their ratios hold up better.

${table(['step', ...names.flatMap((n) => [`${n} ms`, 'vs float32'])], stepRows)}

${table(['op', ...names.map((n) => `${n} ms`)], opRows)}

Emulation costs a rounding pass over each matmul's inputs and output, so it is slower than float32: it exists for exact
numerics (overflow, underflow, loss scaling), not speed. lavapipe runs shaders on the CPU, so its times say nothing about a
real GPU. The native f16 matmul comes in two kernels: 'simple' (one output per invocation, no barriers; the default on CPU
drivers) and 'tiled' (16×16 f16 tiles in workgroup memory, the default on GPUs), which lavapipe runs slowly because it
emulates workgroup barriers. Both are slower here than tfjs's tuned float32 kernel; the autocast step on webgpu also pays
the f16 packing passes. The 'autocast f16' step rows on webgpu use the default ('simple').`,
  );
}
