// WebGPU in Node (Dawn) on the two software Vulkan drivers, SwiftShader and
// lavapipe, with the Descent wasm adapter as the CPU baseline: a 1024×1024
// matmul and one SGD step of a 784-256-10 MLP at batch 64. Each driver runs in
// its own child process, since the Vulkan loader reads VK_ICD_FILENAMES once.
// Needs scripts/provision.d/webgpu.sh (it writes .cache/webgpu-drivers/icd.json).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, median, sampleTimes, table, writeSection } from './_util.mjs';

const self = fileURLToPath(import.meta.url);
const root = join(dirname(self), '..', '..');
const icdIndex = join(root, '.cache', 'webgpu-drivers', 'icd.json');

async function measure(which) {
  const tf = await import('@tensorflow/tfjs-core');
  const { useBackend } = await import('@descent/core');
  let info = {};
  if (which === 'wasm') {
    const { wasmAdapter } = await import('@descent/backend-wasm');
    await useBackend(wasmAdapter);
    info = { driver: 'wasm', description: 'Descent wasm adapter (XNNPACK)' };
  } else {
    const { webgpuAdapter } = await import('@descent/backend-webgpu');
    await useBackend(webgpuAdapter);
    info = webgpuAdapter.capabilities.info;
  }
  const slow = which === 'swiftshader';

  // Matmul: the 1×1 slice is the small result whose read-back waits for the GPU.
  const a = tf.randomNormal([1024, 1024]);
  const b = tf.randomNormal([1024, 1024]);
  const matmul = async () => {
    const corner = tf.tidy(() => tf.slice(tf.matMul(a, b), [0, 0], [1, 1]));
    await corner.data();
    corner.dispose();
  };
  const mm = await sampleTimes(matmul, { warmup: 2, minRuns: 5, maxRuns: 30, budgetMs: slow ? 15_000 : 8_000 });

  // One SGD step of a 784-256-10 MLP at batch 64: forward, backward, update; the loss read back.
  const v = (shape) => tf.variable(tf.mul(tf.randomNormal(shape), 0.05));
  const params = [v([784, 256]), v([256]), v([256, 10]), v([10])];
  const x = tf.randomNormal([64, 784]);
  const y = tf.oneHot(tf.randomUniform([64], 0, 10, 'int32'), 10);
  const lr = tf.scalar(0.01);
  const step = async () => {
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const h = tf.relu(tf.add(tf.matMul(x, params[0]), params[1]));
        return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(h, params[2]), params[3]));
      }, params);
      params.forEach((p) => p.assign(tf.sub(p, tf.mul(grads[p.name], lr))));
      return value;
    });
    await loss.data();
    loss.dispose();
  };
  const before = tf.memory().numTensors;
  const st = await sampleTimes(step, { warmup: 3, minRuns: 10, maxRuns: 50, budgetMs: slow ? 15_000 : 8_000 });
  const leaked = tf.memory().numTensors - before;
  return {
    info: { driver: info.driver, description: info.description, float16: info.features?.includes?.('shader-f16') ?? false },
    mm: median(mm),
    mmRuns: mm.length,
    step: median(st),
    stepRuns: st.length,
    leaked,
  };
}

if (process.argv[2]) {
  console.log(JSON.stringify(await measure(process.argv[2])));
  process.exit(0);
} else {
  if (!existsSync(icdIndex)) throw new Error(`${icdIndex} is missing: run \`bash scripts/provision.d/webgpu.sh\` (as root) first`);
  const icds = JSON.parse(readFileSync(icdIndex, 'utf8'));
  const results = {};
  for (const which of ['swiftshader', 'lavapipe', 'wasm']) {
    const env = { ...process.env };
    if (which !== 'wasm') env.VK_ICD_FILENAMES = icds[which];
    const r = spawnSync(process.execPath, [self, which], { env, encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) {
      console.error(r.stderr);
      throw new Error(`the ${which} run failed (exit ${r.status})`);
    }
    results[which] = JSON.parse(r.stdout.trim().split('\n').at(-1));
    console.log(which, results[which]);
  }
  const f = (ms) => ms.toFixed(ms < 10 ? 2 : 1);
  const gflops = (ms) => ((2 * 1024 ** 3) / (ms * 1e6)).toFixed(1);
  const ss = results.swiftshader;
  const names = { swiftshader: 'webgpu, SwiftShader', lavapipe: 'webgpu, lavapipe', wasm: 'wasm (baseline)' };
  const rows = Object.entries(results).map(([k, r]) => [
    names[k],
    `${f(r.mm)} (${gflops(r.mm)} GFLOP/s)`,
    f(r.step),
    `${(ss.mm / r.mm).toFixed(2)}×`,
    `${(ss.step / r.step).toFixed(2)}×`,
  ]);
  const drivers = ['swiftshader', 'lavapipe'].map((k) => `${names[k]}: ${results[k].info.description}`).join('; ');
  writeSection(
    'webgpu-step',
    `## WebGPU in Node: SwiftShader and lavapipe

Medians in ms; speeds relative to SwiftShader (higher is faster). Matmul: 1024×1024 by 1024×1024, completion awaited by reading back
a 1×1 slice. Step: one SGD step of a 784-256-10 MLP at batch 64 (\`tf.variableGrads\` forward and backward, update, loss read back
with \`await data()\`). tfjs-backend-webgpu through \`@descent/backend-webgpu\` on Dawn (\`webgpu\` ${'0.6.2'}), one child process per driver,
with the Descent wasm adapter in the same run as the CPU baseline. No GPU: both drivers run the shaders on the CPU.
Measured ${machine()}. Drivers: ${drivers}.

${table(['backend', 'matmul ms', 'MLP step ms', 'matmul speed', 'step speed'], rows)}`,
  );
}
