// The models `descent train` builds, as @descent/nn modules (torch's initialization,
// names and state-dict keys: a checkpoint's model.safetensors loads into the same
// torch.nn.Sequential), and each one's default training recipe.
import { Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU, Sequential, type Module } from '@descent/nn';
import type { ModelName } from './options.js';

/** Every model takes NHWC images [N, 28, 28, 1] and returns logits [N, 10]. */
export const INPUT_SHAPE = [28, 28, 1] as const;
export const NUM_CLASSES = 10;

/** Hidden width of the default MLP. */
export const MLP_HIDDEN = 256;

/** The torch equivalent of each model, for the README and for `--dry-run`. */
export const MODEL_TORCH: Record<ModelName, string> = {
  linear: 'nn.Sequential(nn.Flatten(), nn.Linear(784, 10))',
  mlp: `nn.Sequential(nn.Flatten(), nn.Linear(784, ${MLP_HIDDEN}), nn.ReLU(), nn.Linear(${MLP_HIDDEN}, 10))`,
  cnn:
    'nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), ' +
    'nn.Flatten(), nn.Dropout(0.25), nn.Linear(1600, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, 10))',
};

/** Builds a model; seed @descent/core's default generator first (`manualSeed`) for a seeded initialization. */
export function buildModel(name: ModelName): Module {
  switch (name) {
    case 'linear':
      return new Sequential(new Flatten(), new Linear(784, NUM_CLASSES));
    case 'mlp':
      return new Sequential(new Flatten(), new Linear(784, MLP_HIDDEN), new ReLU(), new Linear(MLP_HIDDEN, NUM_CLASSES));
    case 'cnn':
      // LeNet-style: 28 -> conv 3x3 -> 26 -> pool -> 13 -> conv 3x3 -> 11 -> pool -> 5; 64 * 5 * 5 = 1600 features.
      return new Sequential(
        new Conv2d(1, 32, 3),
        new ReLU(),
        new MaxPool2d(2),
        new Conv2d(32, 64, 3),
        new ReLU(),
        new MaxPool2d(2),
        new Flatten(),
        new Dropout(0.25),
        new Linear(64 * 5 * 5, 128),
        new ReLU(),
        new Dropout(0.25),
        new Linear(128, NUM_CLASSES),
      );
  }
}

// Each model's default hyperparameters (no tfjs there, so parsing a command line stays instant).
export { RECIPES, type Recipe } from './options.js';
