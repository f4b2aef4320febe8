import type * as tf from '@tensorflow/tfjs-core';
import {
  declaredShape,
  DescentError,
  fusedOps,
  type AttrSpec,
  type FusedKernelArgs,
  type FusedKernelFunc,
  type FusedOpDeclaration,
} from '@descent/core';
import { OPTIM_SIGNATURES } from './generated/optim-signatures.js';
import { heapMemory, offsetOf, optimExportsFor, type HeapBackend } from './module.js';

// Each kernel makes its outputs with makeOutput, then hands the wasm module the
// byte offsets of inputs and outputs: the update runs in tfjs's heap with no
// copy through JS and no write into an input. Offsets are stable when the heap
// grows, so allocating outputs first is safe. Attributes go in as f32
// parameters: the call rounds each once, as KERNELS.md asks.
//
// A kernel binds every parameter of its wasm export by name (the names and
// types come from asm/optim.ts through generated/optim-signatures.ts), so the
// argument order is the module's own, and a binding to an input, output or
// attribute the op does not declare, or of the wrong kind, fails to compile.

type Signatures = typeof OPTIM_SIGNATURES;
export type OptimExportName = keyof Signatures;
type Param<E extends OptimExportName> = Signatures[E][number];
type BoolAttr<A extends AttrSpec> = { [K in keyof A]: A[K] extends 'bool' ? K : never }[keyof A] & string;
type F32Attr<A extends AttrSpec> = { [K in keyof A]: A[K] extends 'f32' ? K : never }[keyof A] & string;

/**
 * A size of the first input's shape `[...batch, rows, cols]`: `n` its size,
 * `rows` and `cols` its last two axes, `batch` the product of the others.
 */
type Dim = 'n' | 'batch' | 'rows' | 'cols';

/** What a parameter of AssemblyScript type `T` may be bound to. `0` is a null pointer or a false flag. */
type Source<T, I extends string, O extends string, A extends AttrSpec> = T extends 'usize'
  ? `in:${I}` | `out:${O}` | 0
  : T extends 'u32'
    ? Dim | `attr:${BoolAttr<A>}` | 0 | 1
    : `attr:${F32Attr<A>}` | number;

/** A binding for every parameter of export `E`, by parameter name. */
export type Binding<E extends OptimExportName, I extends string, O extends string, A extends AttrSpec> = {
  [P in Param<E> as P[0]]: Source<P[1], I, O, A>;
};

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, d) => a * d, 1);
}

const DIMS: readonly string[] = ['n', 'batch', 'rows', 'cols'] satisfies Dim[];

function dims(decl: FusedOpDeclaration, shape: readonly number[], matrix: boolean): Record<Dim, number> {
  const n = sizeOf(shape);
  if (!matrix) return { n, batch: 1, rows: 1, cols: n };
  if (shape.length < 2) throw new DescentError(`${decl.name}: ${decl.inputs[0]} must have at least 2 dimensions, got shape [${shape}]`);
  const rows = shape[shape.length - 2];
  const cols = shape[shape.length - 1];
  return { n, batch: sizeOf(shape.slice(0, -2)), rows, cols };
}

/**
 * A fused kernel for tfjs-wasm: checks that every input is float32 of its
 * declared size (`declaredShape` of the first input's shape: the module must
 * never read or write past a tensor), allocates each output with its declared
 * shape and calls export `exportName` with each parameter from its binding.
 */
export function heapKernel<E extends OptimExportName, I extends string, O extends string, A extends AttrSpec>(
  decl: FusedOpDeclaration<I, O, A>,
  exportName: E,
  binding: Binding<E, I, O, A>,
): FusedKernelFunc<I, O, A> {
  const params = OPTIM_SIGNATURES[exportName].map(([name]) => (binding as Record<string, string | number>)[name]);
  const matrix = params.some((src) => src === 'rows' || src === 'cols' || src === 'batch');
  return ({ inputs, attrs, backend }: FusedKernelArgs<I, A>) => {
    const be = backend as unknown as HeapBackend;
    const first = decl.inputs[0];
    const shape = [...inputs[first].shape];
    const size = dims(decl, shape, matrix);
    for (const name of decl.inputs) {
      const t = inputs[name];
      const want = declaredShape(decl, name, shape);
      if (t.dtype !== 'float32') throw new DescentError(`${decl.name}: input ${name} must be float32, got ${t.dtype}`);
      if (sizeOf(t.shape) !== sizeOf(want)) {
        throw new DescentError(`${decl.name}: input ${name} has shape [${t.shape}] (${sizeOf(t.shape)} values), expected [${want}] (${sizeOf(want)} values) for ${first} [${shape}]`);
      }
    }
    const k = optimExportsFor(heapMemory(be)) as unknown as Record<string, (...args: number[]) => void>;
    const outs = {} as Record<O, tf.TensorInfo>;
    for (const name of decl.outputs) outs[name] = be.makeOutput(declaredShape(decl, name, shape), 'float32') as unknown as tf.TensorInfo;
    const values = attrs as Record<string, number | boolean>;
    const args = params.map((src) => {
      if (typeof src === 'number') return src;
      if (DIMS.includes(src)) return size[src as Dim];
      const [kind, name] = src.split(':');
      if (kind === 'in') return offsetOf(be, inputs[name as I]);
      if (kind === 'out') return offsetOf(be, outs[name as O]);
      const v = values[name];
      return v === true ? 1 : v === false ? 0 : v;
    });
    k[exportName](...args);
    return outs;
  };
}

const ops = fusedOps;

/** An op's declaration and its kernel, with the op's own types erased for the registry. */
export type KernelEntry = [FusedOpDeclaration, FusedKernelFunc];

function entry<E extends OptimExportName, I extends string, O extends string, A extends AttrSpec>(
  decl: FusedOpDeclaration<I, O, A>,
  exportName: E,
  binding: Binding<E, I, O, A>,
): KernelEntry {
  return [decl, heapKernel(decl, exportName, binding)] as unknown as KernelEntry;
}

const adamBase = {
  p: 'in:param', g: 'in:grad', m: 'in:expAvg', v: 'in:expAvgSq', po: 'out:param', mo: 'out:expAvg', vo: 'out:expAvgSq', n: 'n',
  maximize: 'attr:maximize', wd_: 'attr:weightDecay', scale_: 'attr:paramScale', b1_: 'attr:beta1', c1_: 'attr:oneMinusBeta1',
  b2_: 'attr:beta2', c2_: 'attr:oneMinusBeta2', eps_: 'attr:eps', stepSize_: 'attr:stepSize', bc2_: 'attr:biasCorrection2Sqrt',
} as const;

const rmsBase = {
  p: 'in:param', g: 'in:grad', sq: 'in:squareAvg', po: 'out:param', sqo: 'out:squareAvg', n: 'n', maximize: 'attr:maximize',
  wd_: 'attr:weightDecay', lr_: 'attr:lr', alpha_: 'attr:alpha', c_: 'attr:oneMinusAlpha', eps_: 'attr:eps', mu_: 'attr:momentum',
} as const;
const noCenter = { ga: 0, gao: 0, centered: 0 } as const;
const center = { ga: 'in:gradAvg', gao: 'out:gradAvg', centered: 1 } as const;
const noMomentum = { b: 0, bo: 0, momentum: 0 } as const;
const withMomentum = { b: 'in:momentumBuffer', bo: 'out:momentumBuffer', momentum: 1 } as const;

const adafactorAttrs = {
  maximize: 'attr:maximize', w_: 'attr:oneMinusBeta2', rho_: 'attr:rho', eps1Sq_: 'attr:eps1Sq', eps2_: 'attr:eps2', d_: 'attr:d',
  scale_: 'attr:paramScale',
} as const;

const scheduleFreeBase = {
  p: 'in:param', g: 'in:grad', z: 'in:z', v: 'in:expAvgSq', po: 'out:param', zo: 'out:z', vo: 'out:expAvgSq', n: 'n',
  b2_: 'attr:beta2', c2_: 'attr:oneMinusBeta2', bc2_: 'attr:biasCorrection2', eps_: 'attr:eps', wd_: 'attr:weightDecay',
  ckp1_: 'attr:ckp1', yCoef_: 'attr:yCoef', lr_: 'attr:lr',
} as const;

/** The wasm-heap kernel of every optim op (packages/optim/KERNELS.md). */
export function optimKernels(): KernelEntry[] {
  return [
    entry(ops.SgdStep, 'sgd', { p: 'in:param', g: 'in:grad', po: 'out:param', n: 'n', maximize: 'attr:maximize', wd_: 'attr:weightDecay', lr_: 'attr:lr' }),
    entry(ops.SgdMomentumStep, 'sgdMomentum', {
      p: 'in:param', g: 'in:grad', b: 'in:momentumBuffer', po: 'out:param', bo: 'out:momentumBuffer', n: 'n',
      maximize: 'attr:maximize', wd_: 'attr:weightDecay', lr_: 'attr:lr', mu_: 'attr:momentum', damp_: 'attr:dampeningComplement',
      nesterov: 'attr:nesterov', init: 'attr:init',
    }),
    entry(ops.AdamStep, 'adam', { ...adamBase, vmax: 0, vmaxo: 0, amsgrad: 0 }),
    entry(ops.AdamAmsgradStep, 'adam', { ...adamBase, vmax: 'in:maxExpAvgSq', vmaxo: 'out:maxExpAvgSq', amsgrad: 1 }),
    entry(ops.LambStep, 'lamb', {
      p: 'in:param', g: 'in:grad', m: 'in:expAvg', v: 'in:expAvgSq', div: 'in:gradDivisor', po: 'out:param', mo: 'out:expAvg',
      vo: 'out:expAvgSq', n: 'n', lr_: 'attr:lr', b1_: 'attr:beta1', b3_: 'attr:beta3', b2_: 'attr:beta2', c2_: 'attr:oneMinusBeta2',
      eps_: 'attr:eps', bc1_: 'attr:biasCorrection1', bc2_: 'attr:biasCorrection2Sqrt', wd_: 'attr:weightDecay', adapt: 'attr:adapt',
      trustClip: 'attr:trustClip',
    }),
    entry(ops.AdagradStep, 'adagrad', {
      p: 'in:param', g: 'in:grad', s: 'in:sum', po: 'out:param', so: 'out:sum', n: 'n', maximize: 'attr:maximize',
      wd_: 'attr:weightDecay', clr_: 'attr:clr', eps_: 'attr:eps',
    }),
    entry(ops.RmspropStep, 'rmsprop', { ...rmsBase, ...noCenter, ...noMomentum }),
    entry(ops.RmspropCenteredStep, 'rmsprop', { ...rmsBase, ...center, ...noMomentum }),
    entry(ops.RmspropMomentumStep, 'rmsprop', { ...rmsBase, ...noCenter, ...withMomentum }),
    entry(ops.RmspropCenteredMomentumStep, 'rmsprop', { ...rmsBase, ...center, ...withMomentum }),
    entry(ops.AdadeltaStep, 'adadelta', {
      p: 'in:param', g: 'in:grad', sq: 'in:squareAvg', acc: 'in:accDelta', po: 'out:param', sqo: 'out:squareAvg', acco: 'out:accDelta',
      n: 'n', maximize: 'attr:maximize', wd_: 'attr:weightDecay', lr_: 'attr:lr', rho_: 'attr:rho', c_: 'attr:oneMinusRho', eps_: 'attr:eps',
    }),
    entry(ops.AdamaxStep, 'adamax', {
      p: 'in:param', g: 'in:grad', m: 'in:expAvg', u: 'in:expInf', po: 'out:param', mo: 'out:expAvg', uo: 'out:expInf', n: 'n',
      maximize: 'attr:maximize', wd_: 'attr:weightDecay', b1_: 'attr:beta1', c1_: 'attr:oneMinusBeta1', b2_: 'attr:beta2', eps_: 'attr:eps',
      clr_: 'attr:clr',
    }),
    entry(ops.NadamStep, 'nadam', {
      p: 'in:param', g: 'in:grad', m: 'in:expAvg', v: 'in:expAvgSq', po: 'out:param', mo: 'out:expAvg', vo: 'out:expAvgSq', n: 'n',
      wd_: 'attr:weightDecay', b1_: 'attr:beta1', c1_: 'attr:oneMinusBeta1', b2_: 'attr:beta2', c2_: 'attr:oneMinusBeta2', eps_: 'attr:eps',
      bc2_: 'attr:biasCorrection2', gradCoef_: 'attr:gradCoef', avgCoef_: 'attr:avgCoef',
    }),
    entry(ops.RadamStep, 'radam', {
      p: 'in:param', g: 'in:grad', m: 'in:expAvg', v: 'in:expAvgSq', po: 'out:param', mo: 'out:expAvg', vo: 'out:expAvgSq', n: 'n',
      wd_: 'attr:weightDecay', lr_: 'attr:lr', b1_: 'attr:beta1', c1_: 'attr:oneMinusBeta1', b2_: 'attr:beta2', c2_: 'attr:oneMinusBeta2',
      eps_: 'attr:eps', bc1_: 'attr:biasCorrection1', bc2_: 'attr:biasCorrection2Sqrt', rectify: 'attr:rectify', rect_: 'attr:rect',
    }),
    entry(ops.LionStep, 'lion', {
      p: 'in:param', g: 'in:grad', m: 'in:expAvg', po: 'out:param', mo: 'out:expAvg', n: 'n', lr_: 'attr:lr', scale_: 'attr:paramScale',
      b1_: 'attr:beta1', c1_: 'attr:oneMinusBeta1', b2_: 'attr:beta2', c2_: 'attr:oneMinusBeta2',
    }),
    entry(ops.AdafactorStep, 'adafactor', {
      p: 'in:param', g: 'in:grad', v: 'in:variance', po: 'out:param', vo: 'out:variance', n: 'n', ...adafactorAttrs,
    }),
    entry(ops.AdafactorFactoredStep, 'adafactorFactored', {
      p: 'in:param', g: 'in:grad', rv: 'in:rowVar', cv: 'in:colVar', po: 'out:param', rvo: 'out:rowVar', cvo: 'out:colVar',
      batch: 'batch', rows: 'rows', cols: 'cols', ...adafactorAttrs, eps1_: 'attr:eps1',
    }),
    entry(ops.MuonMomentum, 'muonMomentum', {
      g: 'in:grad', b: 'in:momentumBuffer', bo: 'out:momentumBuffer', uo: 'out:update', n: 'n',
      w1_: 'attr:oneMinusMomentum', w2_: 'attr:momentum', nesterov: 'attr:nesterov', eps_: 'attr:eps',
    }),
    entry(ops.MuonApply, 'muonApply', {
      p: 'in:param', o: 'in:ortho', po: 'out:param', n: 'n', scale_: 'attr:paramScale', lr_: 'attr:adjustedLr',
    }),
    entry(ops.AsgdStep, 'asgd', {
      p: 'in:param', g: 'in:grad', ax: 'in:ax', po: 'out:param', axo: 'out:ax', n: 'n', maximize: 'attr:maximize',
      wd_: 'attr:weightDecay', scale_: 'attr:paramScale', eta_: 'attr:eta', mu_: 'attr:mu', average: 'attr:average',
    }),
    entry(ops.RpropStep, 'rprop', {
      p: 'in:param', g: 'in:grad', prev: 'in:prev', ss: 'in:stepSize', po: 'out:param', prevo: 'out:prev', sso: 'out:stepSize', n: 'n',
      maximize: 'attr:maximize', minus_: 'attr:etaminus', plus_: 'attr:etaplus', lo_: 'attr:stepSizeMin', hi_: 'attr:stepSizeMax',
    }),
    entry(ops.ScheduleFreeAdamWStep, 'scheduleFree', { ...scheduleFreeBase, m: 0, mo: 0, momentum: 0, b1_: 0, c1_: 1, bc1_: 1 }),
    entry(ops.ScheduleFreeAdamWMomentumStep, 'scheduleFree', {
      ...scheduleFreeBase, m: 'in:expAvg', mo: 'out:expAvg', momentum: 1, b1_: 'attr:innerMomentum', c1_: 'attr:oneMinusInnerMomentum',
      bc1_: 'attr:biasCorrection1',
    }),
  ];
}
