// The seed recipe as a hand-written loop, line for line PyTorch's AMP MNIST loop
// (README.md sets the two side by side).
import * as tf from '@tensorflow/tfjs-core';
import { GradScaler, autocast } from '@descent/amp';
import { crossEntropy, type Module } from '@descent/nn';
import type { RecipeOptions } from './options.ts';
import { buildRecipe, mnistLoaders } from './recipe.ts';

const fmt = (v: number) => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2));

/** torch's `test()`: mean loss and accuracy over the test set, in float32, in eval mode. */
async function evaluate(model: Module, test: ReturnType<typeof mnistLoaders>['test']) {
  model.eval();
  let lossSum = 0;
  let correct = 0;
  let seen = 0;
  for await (const [x, y] of test) {
    const [loss, hits] = tf.tidy(() => {
      const logits = model.forward(x);
      return [crossEntropy(logits, y, { reduction: 'sum' }), tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'int32'))];
    });
    lossSum += (await loss.data())[0];
    correct += (await hits.data())[0];
    seen += x.shape[0];
    tf.dispose([loss, hits]);
  }
  model.train();
  return { loss: lossSum / seen, accuracy: correct / seen };
}

export async function handWrittenLoop(o: RecipeOptions): Promise<void> {
  const { train, test } = mnistLoaders(o);
  const { model, optimizer, scheduler } = buildRecipe(o);
  const scaler = new GradScaler({ enabled: o.amp === 'float16' }); // bfloat16 needs no loss scaling
  const half = { dtype: o.amp === 'bfloat16' ? ('bfloat16' as const) : ('float16' as const), enabled: o.amp !== 'off' };
  const params = model.parameters();

  const maxSteps = o.steps > 0 ? o.steps : o.epochs * train.length;
  const epochs = Math.ceil(maxSteps / train.length);
  const t0 = performance.now();
  let step = 0;
  let running = tf.scalar(0); // the loss summed on the device, read only when logged
  let inWindow = 0;
  let epochSum = 0;
  for (let epoch = 1; epoch <= epochs && step < maxSteps; epoch++) {
    let epochSteps = 0;
    for await (const [x, y] of train) {
      optimizer.zeroGrad(); // a no-op: gradients are returned, never accumulated on the weights
      let loss!: tf.Scalar;
      const { value, grads } = tf.variableGrads(() => {
        loss = tf.keep(autocast(() => crossEntropy(model.forward(x), y), half) as tf.Scalar);
        return scaler.scale(loss) as tf.Scalar; // backward runs on the scaled loss
      }, params);
      await scaler.step(optimizer, grads); // unscales, skips the step on inf/NaN
      scaler.update();
      if (o.schedulerStep === 'batch') scheduler.step();
      tf.dispose(Object.values(grads));
      if (value !== loss) value.dispose(); // a disabled scaler returns the loss itself

      const sum = tf.add(running, loss) as tf.Scalar;
      tf.dispose([running, loss]);
      running = sum;
      step++;
      epochSteps++;
      if (++inWindow === o.logEvery || step === maxSteps) {
        const mean = (await running.data())[0] / inWindow;
        epochSum += mean * inWindow;
        console.log(
          `epoch ${epoch}/${epochs} ${epochSteps}/${train.length} step ${step}/${maxSteps} loss ${fmt(mean)} ` +
            `lr ${optimizer.paramGroups[0].lr.toExponential(2)} scale ${scaler.getScale()} tensors ${tf.memory().numTensors}`,
        );
        running.dispose();
        running = tf.scalar(0);
        inWindow = 0;
      }
      if (step === maxSteps) break;
    }
    if (o.schedulerStep === 'epoch') scheduler.step();
    if (inWindow > 0) {
      epochSum += (await running.data())[0];
      running.dispose();
      running = tf.scalar(0);
      inWindow = 0;
    }
    const { loss, accuracy } = await evaluate(model, test);
    console.log(
      `epoch ${epoch}/${epochs} done: train_loss ${fmt(epochSum / epochSteps)} eval_loss ${fmt(loss)} eval_accuracy ${fmt(accuracy)} ` +
        `learning_rate ${optimizer.paramGroups[0].lr.toExponential(2)}`,
    );
    epochSum = 0;
  }
  running.dispose();
  const seconds = (performance.now() - t0) / 1000;
  console.log(`training done: ${step} steps in ${seconds.toFixed(1)} s (${(step / seconds).toFixed(2)} it/s), tensors ${tf.memory().numTensors}`);
  model.dispose();
}
