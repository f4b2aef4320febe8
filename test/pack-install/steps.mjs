// The training code the pack-and-install test runs from the installed tarballs: in ESM, in CJS (this file
// turned into steps.cjs), from a script outside the project and bundled for a browser. Modules are passed
// in, so every runtime runs this same code whatever way it loaded them.

/** 64 points in 16 dimensions, 3 classes from a fixed linear rule: a problem the loss must fall on. */
function dataset(n = 64, d = 16, k = 3) {
  const xs = new Float32Array(n * d);
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) xs[i * d + j] = Math.sin(i * 7.3 + j * 1.7 + 0.5);
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < k; c++) {
      let score = 0;
      for (let j = 0; j < d; j++) score += xs[i * d + j] * Math.cos(c * 2.1 + j * 0.9);
      if (score > bestScore) [best, bestScore] = [c, score];
    }
    ys[i] = best;
  }
  return { xs, ys, n, d, k };
}

/**
 * PyTorch's AMP loop on a small MLP: AdamW, transformers' cosine schedule after a warmup (stepped every
 * step), float16 autocast and a GradScaler, on the backend picked by name. Returns what the test checks.
 */
export async function trainSteps(m, { backend = 'wasm', steps = 12, warmup = 3, lr = 0.05 } = {}) {
  const { tf, core, optim, lrSchedule, amp, nn } = m;
  const adapter = await core.useBackend(backend);
  core.manualSeed(0);
  const { xs, ys, n, d, k } = dataset();
  const x = tf.tensor2d(xs, [n, d]);
  const y = tf.tensor1d(ys, 'int32');
  const model = new nn.Sequential(new nn.Linear(d, 32), new nn.ReLU(), new nn.Linear(32, k));
  const params = model.parameters();
  const optimizer = new optim.AdamW(params, { lr, weightDecay: 0.01 });
  const scheduler = lrSchedule.getCosineScheduleWithWarmup(optimizer, { numWarmupSteps: warmup, numTrainingSteps: steps });
  const scaler = new amp.GradScaler();
  const losses = [];
  const lrs = [];
  const scales = [];
  const tensors = [];
  for (let step = 0; step < steps; step++) {
    lrs.push(optimizer.paramGroups[0].lr);
    let loss;
    const { value, grads } = tf.variableGrads(() => {
      loss = tf.keep(amp.autocast(() => nn.crossEntropy(model.forward(x), y), { dtype: 'float16' }));
      return scaler.scale(loss);
    }, params);
    await scaler.step(optimizer, grads);
    scaler.update();
    scheduler.step();
    losses.push((await loss.data())[0]);
    scales.push(scaler.getScale());
    tf.dispose([value, loss, ...Object.values(grads)]);
    tensors.push(tf.memory().numTensors);
  }
  tf.dispose([x, y]);
  return { adapter: adapter.name, backend: tf.getBackend(), steps, warmup, lr, losses, lrs, scales, tensors };
}

/**
 * What optim's README shows with only `@descent/core` and `@descent/optim` installed: `useBackend()` (wasm is
 * not there, so cpu with a notice), then AdamW on a least-squares fit. `console.warn` carries the notice.
 */
export async function fallbackSteps(m, { steps = 20 } = {}) {
  const { tf, core, optim } = m;
  const adapter = await core.useBackend();
  const { xs, n, d } = dataset();
  const x = tf.tensor2d(xs, [n, d]);
  const target = tf.tidy(() => tf.sum(tf.mul(x, tf.linspace(-1, 1, d)), 1, true));
  const w = tf.variable(tf.zeros([d, 1]), true, 'w');
  const b = tf.variable(tf.zeros([1]), true, 'b');
  const optimizer = new optim.AdamW([w, b], { lr: 0.1, weightDecay: 0.01 });
  const losses = [];
  for (let step = 0; step < steps; step++) {
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(x, w), b), target))));
    optimizer.step(grads);
    losses.push((await value.data())[0]);
    tf.dispose([value, ...Object.values(grads)]);
  }
  tf.dispose([x, target, w, b]);
  return { adapter: adapter.name, backend: tf.getBackend(), losses };
}
