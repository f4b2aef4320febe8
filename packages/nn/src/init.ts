import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, formatValue, getDefaultGenerator, type Generator } from '@descent/core';

// torch.nn.init on tf.Variables: each function assigns new values in place, as
// torch's trailing-underscore functions do, and returns the variable. Random values
// come from @descent/core's seeded generator (the default one unless `generator`),
// drawn in the variable's row-major order, so `manualSeed(s)` makes models reproducible.

/** The nonlinearities {@link calculateGain} knows, torch's names. */
export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'conv_transpose1d'
  | 'conv_transpose2d'
  | 'conv_transpose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu';

/** Which fan Kaiming initialization preserves: `fan_in` (the forward pass) or `fan_out` (the backward pass). */
export type FanMode = 'fan_in' | 'fan_out';

/** Options of every random initializer. */
export interface RandomInitOptions {
  /** Default: `getDefaultGenerator()` at the time of the call. */
  generator?: Generator;
}

/** Options of {@link xavierUniform} and {@link xavierNormal}; `gain` defaults to 1. */
export interface XavierOptions extends RandomInitOptions {
  gain?: number;
}

/** Options of {@link kaimingUniform} and {@link kaimingNormal}, torch's keyword arguments. */
export interface KaimingOptions extends RandomInitOptions {
  /** The negative slope of the leaky_relu that follows (torch's `a`, default 0). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

const LINEAR_GAIN = new Set(['linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d', 'sigmoid']);

/** torch's `calculate_gain`. `param` is leaky_relu's negative slope (default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  if (LINEAR_GAIN.has(nonlinearity)) return 1;
  if (nonlinearity === 'tanh') return 5 / 3;
  if (nonlinearity === 'relu') return Math.SQRT2;
  if (nonlinearity === 'leaky_relu') {
    const slope = param ?? 0.01;
    if (typeof slope !== 'number' || !Number.isFinite(slope)) throw new InvalidArgumentError('param', param, `negative_slope ${formatValue(param)} not a valid number`);
    return Math.sqrt(2 / (1 + slope ** 2));
  }
  if (nonlinearity === 'selu') return 3 / 4;
  throw new InvalidArgumentError('nonlinearity', nonlinearity, `Unsupported nonlinearity ${formatValue(nonlinearity)}`);
}

/**
 * torch's `_calculate_fan_in_and_fan_out`, read in Descent's (tfjs's) layouts: a
 * matrix is [in, out] (Linear's weight), a convolution filter [...kernel, in, out]
 * (HWIO). For a torch-layout [out, in, ...kernel] tensor the fans are the same numbers
 * torch computes for its layout.
 */
export function calculateFanInAndFanOut(shape: readonly number[]): [number, number] {
  if (shape.length < 2) {
    throw new InvalidArgumentError('shape', shape, 'Fan in and fan out can not be computed for tensor with fewer than 2 dimensions');
  }
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

function checkVariable(tensor: unknown): asserts tensor is tf.Variable {
  if (!(tensor instanceof tf.Variable)) {
    throw new InvalidArgumentError('tensor', tensor, `init functions fill a tf.Variable in place (tfjs tensors are immutable), got ${formatValue(tensor)}`);
  }
  if (tensor.dtype !== 'float32') throw new InvalidArgumentError('tensor', tensor.dtype, `init functions fill float32 variables, got dtype ${tensor.dtype}`);
}

function fill(tensor: tf.Variable, sample: (g: Generator) => number, generator?: Generator): tf.Variable {
  const g = generator ?? getDefaultGenerator();
  const values = new Float32Array(tensor.size);
  for (let i = 0; i < values.length; i++) values[i] = sample(g);
  tf.tidy(() => tensor.assign(tf.tensor(values, tensor.shape, 'float32')));
  return tensor;
}

function finite(parameter: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidArgumentError(parameter, value);
}

/** torch's `uniform_`: U(a, b). */
export function uniform_(tensor: tf.Variable, a = 0, b = 1, options: RandomInitOptions = {}): tf.Variable {
  checkVariable(tensor);
  finite('a', a);
  finite('b', b);
  if (a > b) throw new InvalidArgumentError('b', b, `uniform_ expects to return a [from, to) range, but found from=${a} > to=${b}`);
  return fill(tensor, (g) => g.uniform(a, b), options.generator);
}

/** torch's `normal_`: N(mean, std²). */
export function normal_(tensor: tf.Variable, mean = 0, std = 1, options: RandomInitOptions = {}): tf.Variable {
  checkVariable(tensor);
  finite('mean', mean);
  finite('std', std);
  if (std < 0) throw new InvalidArgumentError('std', std, `normal expects std >= 0.0, but found std ${std}`);
  return fill(tensor, (g) => g.normal(mean, std), options.generator);
}

/** torch's `constant_`. */
export function constant_(tensor: tf.Variable, value: number): tf.Variable {
  checkVariable(tensor);
  if (typeof value !== 'number') throw new InvalidArgumentError('value', value);
  tf.tidy(() => tensor.assign(tf.fill(tensor.shape, value, 'float32')));
  return tensor;
}

/** torch's `zeros_`. */
export function zeros_(tensor: tf.Variable): tf.Variable {
  return constant_(tensor, 0);
}

/** torch's `ones_`. */
export function ones_(tensor: tf.Variable): tf.Variable {
  return constant_(tensor, 1);
}

/** torch's `xavier_uniform_`: U(−a, a), a = gain·√(6 / (fanIn + fanOut)). */
export function xavierUniform(tensor: tf.Variable, { gain = 1, generator }: XavierOptions = {}): tf.Variable {
  checkVariable(tensor);
  finite('gain', gain);
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor.shape);
  const a = Math.sqrt(3) * gain * Math.sqrt(2 / (fanIn + fanOut));
  return fill(tensor, (g) => g.uniform(-a, a), generator);
}

/** torch's `xavier_normal_`: N(0, std²), std = gain·√(2 / (fanIn + fanOut)). */
export function xavierNormal(tensor: tf.Variable, { gain = 1, generator }: XavierOptions = {}): tf.Variable {
  checkVariable(tensor);
  finite('gain', gain);
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor.shape);
  const std = gain * Math.sqrt(2 / (fanIn + fanOut));
  return fill(tensor, (g) => g.normal(0, std), generator);
}

function kaimingStd(tensor: tf.Variable, { a = 0, mode = 'fan_in', nonlinearity = 'leaky_relu' }: KaimingOptions): number {
  if (mode !== 'fan_in' && mode !== 'fan_out') throw new InvalidArgumentError('mode', mode, `Mode ${formatValue(mode)} not supported, please use one of fan_in, fan_out`);
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor.shape);
  const fan = mode === 'fan_in' ? fanIn : fanOut;
  return calculateGain(nonlinearity, a) / Math.sqrt(fan);
}

/**
 * torch's `kaiming_uniform_`: U(−b, b), b = gain·√(3 / fan). Linear and Conv2d
 * initialize their weights with `a: Math.sqrt(5)`, which gives b = 1/√fanIn.
 */
export function kaimingUniform(tensor: tf.Variable, options: KaimingOptions = {}): tf.Variable {
  checkVariable(tensor);
  const bound = Math.sqrt(3) * kaimingStd(tensor, options);
  return fill(tensor, (g) => g.uniform(-bound, bound), options.generator);
}

/** torch's `kaiming_normal_`: N(0, std²), std = gain / √fan. */
export function kaimingNormal(tensor: tf.Variable, options: KaimingOptions = {}): tf.Variable {
  checkVariable(tensor);
  const std = kaimingStd(tensor, options);
  return fill(tensor, (g) => g.normal(0, std), options.generator);
}
