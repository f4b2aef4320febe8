import type * as tf from '@tensorflow/tfjs-core';
import { DescentError, type FusedAttrs, type FusedKernelArgs, type FusedKernelFunc } from '@descent/core';
import { heapMemory, offsetOf, optimExportsFor, type HeapBackend, type OptimExports } from './module.js';

// Each kernel makes its outputs with makeOutput, then hands the wasm module the
// byte offsets of inputs and outputs: the update runs in tfjs's heap with no
// copy through JS and no write into an input. Offsets are stable when the heap
// grows, so allocating outputs first is safe. Attributes go in as f32
// parameters: the call rounds each once, as KERNELS.md asks.

/** Calls the op's export with (input offsets, output offsets, n, attrs). */
type Call = (k: OptimExports, x: number[], o: number[], n: number, a: FusedAttrs) => void;

const b = (v: unknown): number => (v === true ? 1 : 0);
const num = (a: FusedAttrs, key: string): number => a[key] as number;

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, d) => a * d, 1);
}

/**
 * A fused kernel for tfjs-wasm: checks that every input is float32 of the
 * param's size (the module must never read or write past a tensor), allocates
 * the outputs and calls the module.
 */
function heapKernel(op: string, inputs: readonly string[], outputs: readonly string[], call: Call, scalars: readonly string[] = []): FusedKernelFunc<string> {
  return ({ inputs: ins, attrs, backend }: FusedKernelArgs<string>): tf.TensorInfo[] => {
    const be = backend as unknown as HeapBackend;
    const shape = [...ins.param.shape];
    const n = sizeOf(shape);
    for (const name of inputs) {
      const t = ins[name];
      const want = scalars.includes(name) ? 1 : n;
      if (t.dtype !== 'float32') throw new DescentError(`${op}: input ${name} must be float32, got ${t.dtype}`);
      if (sizeOf(t.shape) !== want) {
        throw new DescentError(`${op}: input ${name} has shape [${t.shape}] (${sizeOf(t.shape)} values), expected ${want} values like param [${shape}]`);
      }
    }
    const k = optimExportsFor(heapMemory(be));
    const outs = outputs.map(() => be.makeOutput(shape, 'float32') as unknown as tf.TensorInfo);
    call(
      k,
      inputs.map((name) => offsetOf(be, ins[name])),
      outs.map((t) => offsetOf(be, t)),
      n,
      attrs,
    );
    return outs;
  };
}

const P = ['param', 'grad'] as const;

/** Every optim op of packages/optim/KERNELS.md: name, inputs, outputs, call. */
export const OPTIM_KERNELS: ReadonlyArray<readonly [string, readonly string[], readonly string[], Call, (readonly string[])?]> = [
  ['SgdStep', P, ['param'], (k, [p, g], [po], n, a) => k.sgd(p, g, po, n, b(a.maximize), num(a, 'weightDecay'), num(a, 'lr'))],
  [
    'SgdMomentumStep',
    [...P, 'momentumBuffer'],
    ['param', 'momentumBuffer'],
    (k, [p, g, buf], [po, bo], n, a) =>
      k.sgdMomentum(p, g, buf, po, bo, n, b(a.maximize), num(a, 'weightDecay'), num(a, 'lr'), num(a, 'momentum'), num(a, 'dampeningComplement'), b(a.nesterov), b(a.init)),
  ],
  ...([false, true] as const).map(
    (ams) =>
      [
        ams ? 'AdamAmsgradStep' : 'AdamStep',
        [...P, 'expAvg', 'expAvgSq', ...(ams ? ['maxExpAvgSq'] : [])],
        ['param', 'expAvg', 'expAvgSq', ...(ams ? ['maxExpAvgSq'] : [])],
        ((k, [p, g, m, v, vmax = 0], [po, mo, vo, vmaxo = 0], n, a) =>
          k.adam(
            p, g, m, v, vmax, po, mo, vo, vmaxo, n, b(ams), b(a.maximize),
            num(a, 'weightDecay'), num(a, 'paramScale'), num(a, 'beta1'), num(a, 'oneMinusBeta1'), num(a, 'beta2'),
            num(a, 'oneMinusBeta2'), num(a, 'eps'), num(a, 'stepSize'), num(a, 'biasCorrection2Sqrt'),
          )) as Call,
      ] as const,
  ),
  [
    'LambStep',
    [...P, 'expAvg', 'expAvgSq', 'gradDivisor'],
    ['param', 'expAvg', 'expAvgSq'],
    (k, [p, g, m, v, div], [po, mo, vo], n, a) =>
      k.lamb(
        p, g, m, v, div, po, mo, vo, n, num(a, 'lr'), num(a, 'beta1'), num(a, 'beta3'), num(a, 'beta2'), num(a, 'oneMinusBeta2'),
        num(a, 'eps'), num(a, 'biasCorrection1'), num(a, 'biasCorrection2Sqrt'), num(a, 'weightDecay'), b(a.adapt), b(a.trustClip),
      ),
    ['gradDivisor'],
  ],
  [
    'AdagradStep',
    [...P, 'sum'],
    ['param', 'sum'],
    (k, [p, g, s], [po, so], n, a) => k.adagrad(p, g, s, po, so, n, b(a.maximize), num(a, 'weightDecay'), num(a, 'clr'), num(a, 'eps')),
  ],
  ...([
    ['RmspropStep', false, false],
    ['RmspropCenteredStep', true, false],
    ['RmspropMomentumStep', false, true],
    ['RmspropCenteredMomentumStep', true, true],
  ] as const).map(
    ([name, centered, momentum]) =>
      [
        name,
        [...P, 'squareAvg', ...(centered ? ['gradAvg'] : []), ...(momentum ? ['momentumBuffer'] : [])],
        ['param', 'squareAvg', ...(centered ? ['gradAvg'] : []), ...(momentum ? ['momentumBuffer'] : [])],
        ((k, x, o, n, a) => {
          const [p, g, sq] = x;
          const [po, sqo] = o;
          const ga = centered ? x[3] : 0;
          const gao = centered ? o[2] : 0;
          const buf = momentum ? x[x.length - 1] : 0;
          const bo = momentum ? o[o.length - 1] : 0;
          k.rmsprop(
            p, g, sq, ga, buf, po, sqo, gao, bo, n, b(centered), b(momentum), b(a.maximize), num(a, 'weightDecay'), num(a, 'lr'),
            num(a, 'alpha'), num(a, 'oneMinusAlpha'), num(a, 'eps'), num(a, 'momentum') ?? 0,
          );
        }) as Call,
      ] as const,
  ),
  [
    'AdadeltaStep',
    [...P, 'squareAvg', 'accDelta'],
    ['param', 'squareAvg', 'accDelta'],
    (k, [p, g, sq, acc], [po, sqo, acco], n, a) =>
      k.adadelta(p, g, sq, acc, po, sqo, acco, n, b(a.maximize), num(a, 'weightDecay'), num(a, 'lr'), num(a, 'rho'), num(a, 'oneMinusRho'), num(a, 'eps')),
  ],
  [
    'AdamaxStep',
    [...P, 'expAvg', 'expInf'],
    ['param', 'expAvg', 'expInf'],
    (k, [p, g, m, u], [po, mo, uo], n, a) =>
      k.adamax(p, g, m, u, po, mo, uo, n, b(a.maximize), num(a, 'weightDecay'), num(a, 'beta1'), num(a, 'oneMinusBeta1'), num(a, 'beta2'), num(a, 'eps'), num(a, 'clr')),
  ],
  [
    'NadamStep',
    [...P, 'expAvg', 'expAvgSq'],
    ['param', 'expAvg', 'expAvgSq'],
    (k, [p, g, m, v], [po, mo, vo], n, a) =>
      k.nadam(
        p, g, m, v, po, mo, vo, n, num(a, 'weightDecay'), num(a, 'beta1'), num(a, 'oneMinusBeta1'), num(a, 'beta2'), num(a, 'oneMinusBeta2'),
        num(a, 'eps'), num(a, 'biasCorrection2'), num(a, 'gradCoef'), num(a, 'avgCoef'),
      ),
  ],
  [
    'RadamStep',
    [...P, 'expAvg', 'expAvgSq'],
    ['param', 'expAvg', 'expAvgSq'],
    (k, [p, g, m, v], [po, mo, vo], n, a) =>
      k.radam(
        p, g, m, v, po, mo, vo, n, num(a, 'weightDecay'), num(a, 'lr'), num(a, 'beta1'), num(a, 'oneMinusBeta1'), num(a, 'beta2'),
        num(a, 'oneMinusBeta2'), num(a, 'eps'), num(a, 'biasCorrection1'), num(a, 'biasCorrection2Sqrt'), b(a.rectify), (a.rect as number) ?? 0,
      ),
  ],
  [
    'LionStep',
    [...P, 'expAvg'],
    ['param', 'expAvg'],
    (k, [p, g, m], [po, mo], n, a) =>
      k.lion(p, g, m, po, mo, n, num(a, 'lr'), num(a, 'paramScale'), num(a, 'beta1'), num(a, 'oneMinusBeta1'), num(a, 'beta2'), num(a, 'oneMinusBeta2')),
  ],
];

/** The wasm-heap kernel of each optim op, by op name. */
export function optimKernelFuncs(): Array<[string, FusedKernelFunc<string>]> {
  return OPTIM_KERNELS.map(([name, ins, outs, call, scalars]) => [name, heapKernel(name, ins, outs, call, scalars)]);
}
