// Matmul and one MLP gradient step on tfjs cpu, stock tfjs-wasm and the Descent wasm adapter.
// Each backend runs in its own child process so kernel registrations never mix.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { machine, table, timeMedian, writeSection } from './_util.mjs';

const self = fileURLToPath(import.meta.url);

async function measure(which) {
  const tf = await import('@tensorflow/tfjs-core');
  const { useBackend } = await import('@descent/core');
  if (which === 'wasm-stock') {
    await import('@tensorflow/tfjs-backend-wasm');
    const { createRequire } = await import('node:module');
    const { dirname } = await import('node:path');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist/');
    await tf.setBackend('wasm');
  } else {
    await useBackend(which === 'wasm-descent' ? 'wasm' : 'cpu');
  }
  const a = tf.randomNormal([1024, 1024]);
  const b = tf.randomNormal([1024, 1024]);
  const runs = which === 'cpu' ? 3 : 10;
  // Return nothing from tidy: it would walk a returned 1M-element array looking for tensors.
  const mm = await timeMedian(() => tf.tidy(() => void tf.matMul(a, b).dataSync()), { runs, warmup: 1 });
  const mmT = await timeMedian(() => tf.tidy(() => void tf.matMul(a, b, false, true).dataSync()), { runs, warmup: 1 });
  // One SGD step of a 784-256-10 MLP at batch 64: forward, backward, update.
  const v = (shape) => tf.variable(tf.mul(tf.randomNormal(shape), 0.05));
  const params = [v([784, 256]), v([256]), v([256, 10]), v([10])];
  const x = tf.randomNormal([64, 784]);
  const y = tf.oneHot(tf.randomUniform([64], 0, 10, 'int32'), 10);
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const h = tf.relu(tf.add(tf.matMul(x, params[0]), params[1]));
        return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(h, params[2]), params[3]));
      }, params);
      params.forEach((p) => p.assign(tf.sub(p, tf.mul(grads[p.name], 0.01))));
      return value.dataSync()[0];
    });
  // wasm steps settle after a few dozen (XNNPACK operator caches, thread pool wake-ups): warm up longer.
  const st = await timeMedian(step, which === 'cpu' ? { runs: 10, warmup: 3 } : { runs: 100, warmup: 30 });
  return { mm, mmT, step: st };
}

if (process.argv[2]) {
  console.log(JSON.stringify(await measure(process.argv[2])));
} else {
  const results = {};
  for (const which of ['cpu', 'wasm-stock', 'wasm-descent']) {
    const out = execFileSync('node', [self, which], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    results[which] = JSON.parse(out.trim().split('\n').at(-1));
    console.log(which, results[which]);
  }
  const f = (ms) => ms.toFixed(ms < 10 ? 2 : 1);
  const gflops = (ms) => ((2 * 1024 ** 3) / (ms * 1e6)).toFixed(1);
  const rows = Object.entries(results).map(([k, r]) => [
    k,
    `${f(r.mm)} (${gflops(r.mm)} GFLOP/s)`,
    `${f(r.mmT)} (${gflops(r.mmT)} GFLOP/s)`,
    f(r.step),
    `${(results.cpu.step / r.step).toFixed(1)}×`,
  ]);
  writeSection(
    'step-cpu-wasm',
    `## Matmul and MLP gradient step: cpu and wasm

Medians in ms. Matmul: 1024×1024 by 1024×1024 (\`transposeB\` in the second column), read back. Step: one SGD step of a
784-256-10 MLP at batch 64 (\`tf.variableGrads\` forward and backward, update, loss read back). Each backend in its own process.
Measured ${machine()}.

${table(['backend', 'matmul ms', 'matmul Bᵀ ms', 'MLP step ms', 'step speed vs cpu'], rows)}

Stock tfjs-wasm sends transposed matmuls to a scalar loop; the Descent wasm adapter routes them to XNNPACK, which is
why the backward pass (mostly transposed matmuls) is faster there. Stock tfjs-wasm also runs single-threaded in Node,
where the Descent adapter starts tfjs-wasm's threaded build (a thread per core, here 2).`,
  );
}
