// The layer-coverage cases: one small model per tfjs-layers layer type (or a
// pair that is trained together), with deterministic weights and data, so the
// same case gives the same numbers on every backend. Browser-safe: no Node
// imports (the Chromium page bundles this file).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Generator } from '@descent/core';

export interface CaseData {
  x: tf.Tensor | tf.Tensor[];
  y: tf.Tensor;
}

export interface LayerCase {
  /** The layer type(s) the case trains: the test's name. */
  name: string;
  seed: number;
  build(): tfl.LayersModel;
  /** Inputs and labels, drawn from the case's generator after the weights. */
  data(g: Generator): CaseData;
  /** `mse`: half the squared error, summed over features, mean over the batch. `crossentropy`: the model outputs probabilities. */
  loss: 'mse' | 'crossentropy';
}

const B = 3; // batch size

function uniform(g: Generator, shape: number[], low = -1, high = 1): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(g.fill(new Float32Array(size), (r) => r.uniform(low, high)), shape, 'float32');
}

function indices(g: Generator, shape: number[], n: number): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Int32Array.from({ length: size }, () => g.randint(n)), shape, 'int32');
}

function oneHot(g: Generator, batch: number, classes: number): tf.Tensor {
  const v = new Float32Array(batch * classes);
  for (let i = 0; i < batch; i++) v[i * classes + g.randint(classes)] = 1;
  return tf.tensor(v, [batch, classes], 'float32');
}

/** Regression data: uniform inputs of `inShape` and labels of `outShape` (batch first, both). */
function regression(inShape: number[], outShape: number[]): (g: Generator) => CaseData {
  return (g) => ({ x: uniform(g, [B, ...inShape]), y: uniform(g, [B, ...outShape]) });
}

/**
 * Overwrites every weight (trainable or not) from `g`, in `model.weights`
 * order: kernels uniform ±1/sqrt(fan-in) (fan-in = all dims but the last),
 * biases/betas/means ±0.1, gammas 1 ± 0.2, variances in [0.5, 1.5] (must be
 * positive), PReLU alphas in [0.1, 0.3], embeddings ±0.5. tfjs's own
 * initializers are random per run; these are the same on every backend.
 */
export function initWeights(model: tfl.LayersModel, g: Generator): void {
  const values = model.weights.map((w) => {
    const shape = w.shape as number[];
    const leaf = w.originalName.split('/').pop() ?? '';
    const size = shape.reduce((a, b) => a * b, 1);
    let [low, high] = [-0.1, 0.1];
    if (leaf === 'gamma') [low, high] = [0.8, 1.2];
    else if (leaf === 'moving_variance') [low, high] = [0.5, 1.5];
    else if (leaf === 'alpha') [low, high] = [0.1, 0.3];
    else if (leaf === 'embeddings') [low, high] = [-0.5, 0.5];
    else if (shape.length >= 2) {
      const s = 1 / Math.sqrt(size / shape[shape.length - 1]);
      [low, high] = [-s, s];
    }
    return tf.tensor(g.fill(new Float32Array(size), (r) => r.uniform(low, high)), shape, 'float32');
  });
  model.setWeights(values);
  tf.dispose(values);
}

const L = tfl.layers;

/** Fresh layers on every call: `build` runs once per backend. */
function sequential(make: () => tfl.layers.Layer[]): () => tfl.LayersModel {
  return () => tfl.sequential({ layers: make() });
}

export const CASES: LayerCase[] = [
  {
    name: 'Dense',
    seed: 1,
    build: sequential(() => [L.dense({ inputShape: [5], units: 7, activation: 'relu' }), L.dense({ units: 3 })]),
    data: regression([5], [3]),
    loss: 'mse',
  },
  {
    name: 'Conv2D (valid)',
    seed: 2,
    build: sequential(() => [L.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, padding: 'valid' }), L.flatten(), L.dense({ units: 2 })]),
    data: regression([6, 6, 2], [2]),
    loss: 'mse',
  },
  {
    name: "Conv2D (strided 'same')",
    seed: 3,
    build: sequential(() => [
      L.conv2d({ inputShape: [7, 7, 2], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' }),
      L.flatten(),
      L.dense({ units: 2 }),
    ]),
    data: regression([7, 7, 2], [2]),
    loss: 'mse',
  },
  {
    // With a linear activation (the default) tfjs-layers calls tf.fused.conv2d, whose gradient is
    // inline in tfjs-core and asserts dilation 1: no registered gradient can reach it. With relu it
    // runs the unfused ops, whose dilated gradients @descent/core registers (see conformance/README.md).
    name: 'Conv2D (dilation_rate 2, relu)',
    seed: 4,
    build: sequential(() => [
      L.conv2d({ inputShape: [7, 7, 2], filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'relu' }),
      L.flatten(),
      L.dense({ units: 2 }),
    ]),
    data: regression([7, 7, 2], [2]),
    loss: 'mse',
  },
  {
    name: 'Conv2D + MaxPooling2D',
    seed: 5,
    build: sequential(() => [
      L.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.flatten(),
      L.dense({ units: 2 }),
    ]),
    data: regression([6, 6, 2], [2]),
    loss: 'mse',
  },
  {
    name: 'AveragePooling2D',
    seed: 6,
    build: sequential(() => [
      L.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, padding: 'same' }),
      L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
      L.flatten(),
      L.dense({ units: 2 }),
    ]),
    data: regression([6, 6, 2], [2]),
    loss: 'mse',
  },
  {
    name: 'Conv2D + GlobalAveragePooling2D',
    seed: 7,
    build: sequential(() => [L.conv2d({ inputShape: [6, 6, 2], filters: 4, kernelSize: 3 }), L.globalAveragePooling2d({}), L.dense({ units: 2 })]),
    data: regression([6, 6, 2], [2]),
    loss: 'mse',
  },
  {
    name: 'Conv2D + GlobalMaxPooling2D',
    seed: 8,
    build: sequential(() => [L.conv2d({ inputShape: [6, 6, 2], filters: 4, kernelSize: 3 }), L.globalMaxPooling2d({}), L.dense({ units: 2 })]),
    data: regression([6, 6, 2], [2]),
    loss: 'mse',
  },
  {
    name: 'Conv2DTranspose',
    seed: 9,
    build: sequential(() => [
      L.conv2dTranspose({ inputShape: [4, 4, 3], filters: 2, kernelSize: 3, strides: 2, padding: 'same' }),
      L.flatten(),
      L.dense({ units: 2 }),
    ]),
    data: regression([4, 4, 3], [2]),
    loss: 'mse',
  },
  {
    name: 'DepthwiseConv2D',
    seed: 10,
    build: sequential(() => [L.depthwiseConv2d({ inputShape: [6, 6, 3], kernelSize: 3, depthMultiplier: 2 }), L.flatten(), L.dense({ units: 2 })]),
    data: regression([6, 6, 3], [2]),
    loss: 'mse',
  },
  {
    name: 'DepthwiseConv2D (dilation_rate 2)',
    seed: 30,
    build: sequential(() => [L.depthwiseConv2d({ inputShape: [7, 7, 2], kernelSize: 3, dilationRate: 2 }), L.flatten(), L.dense({ units: 2 })]),
    data: regression([7, 7, 2], [2]),
    loss: 'mse',
  },
  {
    name: 'SeparableConv2D',
    seed: 11,
    build: sequential(() => [
      L.separableConv2d({ inputShape: [6, 6, 3], filters: 4, kernelSize: 3, depthMultiplier: 2, padding: 'same' }),
      L.flatten(),
      L.dense({ units: 2 }),
    ]),
    data: regression([6, 6, 3], [2]),
    loss: 'mse',
  },
  {
    name: 'Conv1D',
    seed: 12,
    build: sequential(() => [L.conv1d({ inputShape: [8, 3], filters: 4, kernelSize: 3, activation: 'relu' }), L.flatten(), L.dense({ units: 2 })]),
    data: regression([8, 3], [2]),
    loss: 'mse',
  },
  {
    name: 'Conv1D + MaxPooling1D + GlobalAveragePooling1D',
    seed: 13,
    build: sequential(() => [
      L.conv1d({ inputShape: [9, 3], filters: 4, kernelSize: 2 }),
      L.maxPooling1d({ poolSize: 2 }),
      L.globalAveragePooling1d({}),
      L.dense({ units: 2 }),
    ]),
    data: regression([9, 3], [2]),
    loss: 'mse',
  },
  {
    name: 'Conv2D + BatchNormalization',
    seed: 14,
    // No conv bias: batch norm subtracts the batch mean, so its gradient would be zero up to rounding.
    build: sequential(() => [
      L.conv2d({ inputShape: [5, 5, 2], filters: 3, kernelSize: 3, useBias: false }),
      L.batchNormalization({}),
      L.activation({ activation: 'relu' }),
      L.flatten(),
      L.dense({ units: 2 }),
    ]),
    data: regression([5, 5, 2], [2]),
    loss: 'mse',
  },
  {
    name: 'LayerNormalization',
    seed: 15,
    build: sequential(() => [L.dense({ inputShape: [6], units: 8 }), L.layerNormalization({}), L.dense({ units: 3 })]),
    data: regression([6], [3]),
    loss: 'mse',
  },
  {
    name: 'Dropout',
    seed: 16,
    // training: true with a fixed seed: tfjs draws the mask on the host (tf.randomUniform with
    // a seed), so it is the same on every backend and the numbers are compared like any other case.
    build: sequential(() => [L.dense({ inputShape: [6], units: 10, activation: 'relu' }), L.dropout({ rate: 0.4, seed: 7 }), L.dense({ units: 2 })]),
    data: regression([6], [2]),
    loss: 'mse',
  },
  {
    name: 'Embedding',
    seed: 17,
    build: sequential(() => [L.embedding({ inputDim: 11, outputDim: 4, inputLength: 5 }), L.flatten(), L.dense({ units: 2 })]),
    data: (g) => ({ x: indices(g, [B, 5], 11), y: uniform(g, [B, 2]) }),
    loss: 'mse',
  },
  {
    name: 'LSTM',
    seed: 18,
    build: sequential(() => [L.lstm({ inputShape: [5, 3], units: 4 }), L.dense({ units: 2 })]),
    data: regression([5, 3], [2]),
    loss: 'mse',
  },
  {
    name: 'GRU',
    seed: 19,
    build: sequential(() => [L.gru({ inputShape: [5, 3], units: 4 }), L.dense({ units: 2 })]),
    data: regression([5, 3], [2]),
    loss: 'mse',
  },
  {
    name: 'SimpleRNN',
    seed: 20,
    build: sequential(() => [L.simpleRNN({ inputShape: [5, 3], units: 4, returnSequences: true }), L.flatten(), L.dense({ units: 2 })]),
    data: regression([5, 3], [2]),
    loss: 'mse',
  },
  {
    name: 'Bidirectional(LSTM)',
    seed: 21,
    build: sequential(() => [
      L.bidirectional({ inputShape: [4, 3], layer: L.lstm({ units: 3 }) as tfl.RNN, mergeMode: 'concat' }),
      L.dense({ units: 2 }),
    ]),
    data: regression([4, 3], [2]),
    loss: 'mse',
  },
  {
    name: 'TimeDistributed(Dense)',
    seed: 22,
    build: sequential(() => [L.timeDistributed({ inputShape: [4, 3], layer: L.dense({ units: 5, activation: 'tanh' }) }), L.flatten(), L.dense({ units: 2 })]),
    data: regression([4, 3], [2]),
    loss: 'mse',
  },
  {
    name: 'ELU/SELU/softmax activations',
    seed: 23,
    build: sequential(() => [
      L.dense({ inputShape: [6], units: 8, activation: 'elu' }),
      L.elu({}),
      L.dense({ units: 8 }),
      L.activation({ activation: 'selu' }),
      L.dense({ units: 4 }),
      L.softmax({}),
    ]),
    data: (g) => ({ x: uniform(g, [B, 6]), y: oneHot(g, B, 4) }),
    loss: 'crossentropy',
  },
  {
    name: 'LeakyReLU + PReLU',
    seed: 24,
    build: sequential(() => [L.dense({ inputShape: [6], units: 8 }), L.leakyReLU({ alpha: 0.2 }), L.dense({ units: 8 }), L.prelu({}), L.dense({ units: 2 })]),
    data: regression([6], [2]),
    loss: 'mse',
  },
  {
    name: 'other activations (sigmoid, tanh, relu6, softplus, softsign, hardSigmoid, swish, mish, gelu)',
    seed: 25,
    // Side by side, not stacked: each branch gets its own gradient.
    build: () => {
      const input = tfl.input({ shape: [5] });
      const h = L.dense({ units: 6 }).apply(input) as tfl.SymbolicTensor;
      const names = ['sigmoid', 'tanh', 'relu6', 'softplus', 'softsign', 'hardSigmoid', 'swish', 'mish', 'gelu'] as const;
      const branches = names.map((activation) => L.activation({ activation }).apply(h) as tfl.SymbolicTensor);
      const out = L.dense({ units: 2 }).apply(L.concatenate({}).apply(branches)) as tfl.SymbolicTensor;
      return tfl.model({ inputs: input, outputs: out });
    },
    data: regression([5], [2]),
    loss: 'mse',
  },
  {
    name: 'UpSampling2D + Conv2D',
    seed: 26,
    build: sequential(() => [L.upSampling2d({ inputShape: [3, 3, 2], size: [2, 2] }), L.conv2d({ filters: 3, kernelSize: 3 }), L.flatten(), L.dense({ units: 2 })]),
    data: regression([3, 3, 2], [2]),
    loss: 'mse',
  },
  {
    name: 'ZeroPadding2D + Cropping2D',
    seed: 27,
    build: sequential(() => [
      L.zeroPadding2d({ inputShape: [4, 4, 2], padding: [1, 2] }),
      L.conv2d({ filters: 3, kernelSize: 3 }),
      L.cropping2D({ cropping: [[1, 0], [0, 1]] }),
      L.flatten(),
      L.dense({ units: 2 }),
    ]),
    data: regression([4, 4, 2], [2]),
    loss: 'mse',
  },
  {
    name: 'Flatten/Reshape/Permute/RepeatVector',
    seed: 28,
    build: sequential(() => [
      L.reshape({ inputShape: [12], targetShape: [3, 4] }),
      L.permute({ dims: [2, 1] }),
      L.dense({ units: 3 }),
      L.flatten(),
      L.repeatVector({ n: 2 }),
      L.flatten(),
      L.dense({ units: 2 }),
    ]),
    data: regression([12], [2]),
    loss: 'mse',
  },
  {
    name: 'Concatenate/Add/Multiply/Average (functional)',
    seed: 29,
    build: () => {
      const a = tfl.input({ shape: [5] });
      const b = tfl.input({ shape: [4] });
      const ha = L.dense({ units: 6, activation: 'tanh' }).apply(a) as tfl.SymbolicTensor;
      const hb = L.dense({ units: 6 }).apply(b) as tfl.SymbolicTensor;
      const sum = L.add({}).apply([ha, hb]) as tfl.SymbolicTensor;
      const prod = L.multiply({}).apply([ha, hb]) as tfl.SymbolicTensor;
      const avg = L.average({}).apply([sum, prod]) as tfl.SymbolicTensor;
      const cat = L.concatenate({}).apply([avg, hb, b]) as tfl.SymbolicTensor;
      const out = L.dense({ units: 2 }).apply(cat) as tfl.SymbolicTensor;
      return tfl.model({ inputs: [a, b], outputs: out });
    },
    data: (g) => ({ x: [uniform(g, [B, 5]), uniform(g, [B, 4])], y: uniform(g, [B, 2]) }),
    loss: 'mse',
  },
];

/** The cases the headless-Chromium test runs. */
export const BROWSER_CASES = ['Conv2D (valid)', 'DepthwiseConv2D', 'Embedding', 'LSTM'];

export function caseNamed(name: string): LayerCase {
  const c = CASES.find((k) => k.name === name);
  if (!c) throw new Error(`no layer case named ${JSON.stringify(name)}`);
  return c;
}
