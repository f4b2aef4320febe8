// The seed recipe as one Trainer call: the same data, model, optimizer and
// scheduler as the hand-written loop, and no loop to write.
import * as tf from '@tensorflow/tfjs-core';
import { GradScaler } from '@descent/amp';
import { ProgressBar, Trainer } from '@descent/trainer';
import type { RecipeOptions } from './options.ts';
import { buildRecipe, mnistLoaders } from './recipe.ts';

export async function trainerFit(o: RecipeOptions): Promise<void> {
  const { train, test } = mnistLoaders(o);
  const { model, optimizer, scheduler } = buildRecipe(o);
  const trainer = new Trainer({
    model,
    optimizer,
    scheduler,
    schedulerInterval: o.schedulerStep === 'batch' ? 'step' : 'epoch',
    amp: o.amp === 'off' ? false : o.amp, // float16: autocast + a GradScaler; bfloat16: autocast alone
    scaler: o.amp === 'float16' ? new GradScaler() : undefined,
    evalLoader: test, // loss and accuracy at every epoch's end
    loggingSteps: o.logEvery,
    callbacks: [new ProgressBar()],
  });
  const { globalStep } = await trainer.fit({ trainLoader: train, epochs: o.epochs, maxSteps: o.steps > 0 ? o.steps : undefined });
  console.log(`trained ${globalStep} steps; tensors ${tf.memory().numTensors}`);
  model.dispose();
}
