// The two models the page trains, as torch.nn-style @descent/nn modules, and
// the input transform each takes (MNIST's mean and std, as torchvision's examples).
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, type Module } from '@descent/nn';
import { flatten, normalize, reshape, toFloat, type Transform } from '@descent/data';

export type ModelKind = 'mlp' | 'cnn';

export const MODEL_LABELS: Record<ModelKind, string> = {
  mlp: 'MLP 784-128-10',
  cnn: 'CNN (2 conv + pool, linear)',
};

export const MNIST_MEAN = 0.1307;
export const MNIST_STD = 0.3081;

/** A fresh model; its initial weights come from @descent/core's default generator (seed it first). */
export function buildModel(kind: ModelKind): Module {
  if (kind === 'mlp') return new Sequential(new Linear(784, 128), new ReLU(), new Linear(128, 10));
  return new Sequential(
    new Conv2d(1, 16, 3),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(16, 32, 3),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(32 * 5 * 5, 10),
  );
}

/** One image's input shape, batch axis first: flat for the MLP, NHWC for the CNN. */
export function inputShape(kind: ModelKind): number[] {
  return kind === 'mlp' ? [1, 784] : [1, 28, 28, 1];
}

/** uint8 [28, 28] images → normalized float32 in the model's layout. */
export function transformFor(kind: ModelKind): Transform[] {
  return [toFloat(), normalize(MNIST_MEAN, MNIST_STD), kind === 'mlp' ? flatten() : reshape([28, 28, 1])];
}
