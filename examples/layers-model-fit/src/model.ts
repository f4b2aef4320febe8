// A small LeNet-style CNN in tfjs-layers, as a Keras user writes it.
import * as tfl from '@tensorflow/tfjs-layers';

export function buildCnn(seed: number): tfl.Sequential {
  const init = (k: number) => tfl.initializers.heNormal({ seed: seed * 10 + k }); // seeded, so runs repeat
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: init(0) }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', kernelInitializer: init(1) }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed * 10 + 2 }) }),
    ],
  });
}
