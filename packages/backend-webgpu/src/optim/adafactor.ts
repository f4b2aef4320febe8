// Adafactor's kernels: the update is clipped by RMS(U) and scaled by RMS(p), two
// sums over the whole tensor, so the last dispatch of each op sums per-workgroup
// partials (reduce.ts) and applies p' = p·paramScale − U·α/max(RMS(U)/d, 1), with U
// kept in the new param's buffer until then.
//  AdafactorStep (rank ≤ 1), 2 dispatches: v', U and the partials of Σp², ΣU²; apply.
//  AdafactorFactoredStep ([..., R, C], a batch of matrices), 4 dispatches:
//   1. factors: row sums of g² (a workgroup per row, or an invocation per row when
//      rows are short) and column sums (an invocation per column, looping over the
//      rows: neighbours read neighbours), each lerped into its factor;
//   2. the mean of rowVar' per matrix (a workgroup or an invocation per matrix);
//   3. V, U and the partials of Σp², ΣU²;  4. apply.
// Every dispatch binds at most 7 storage buffers.
import { fusedOps, type AttrsOf } from '@descent/core';
import { WORKGROUP, bindings, scalarUniforms, uniformStruct } from './elementwise.js';
import { grid } from './pipeline.js';
import { ENTRY, GRID_STRIDE, type KernelFor, lerp, lerpWeight, readTotals, runPass, sharedSums, strideGroups, shapesOf, treeSum, writePartials } from './reduce.js';
import { checkBackend, gpuBuffer, newOutput, type ProgramUniform, type WebGPUBackendLike } from '../tfjs-webgpu.js';

const STEP = fusedOps.AdafactorStep;
const FACTORED = fusedOps.AdafactorFactoredStep;
type Attrs = AttrsOf<typeof STEP>;

/** Rows (or matrices) shorter than this are summed by one invocation each, longer ones by a workgroup. */
const SHORT = 64;

const ATTRS = ['oneMinusBeta2', 'rho', 'eps1', 'eps1Sq', 'eps2', 'd', 'paramScale'] as const;
// One uniform struct for every dispatch of both ops (the factored sizes are 0 for AdafactorStep).
const HEADER = ['n: u32', 'groups: u32', 'rows: u32', 'cols: u32', 'batch: u32', 'rowGroups: u32', 'factorGroups: u32', 'meanGroups: u32'];
const UNIFORMS = uniformStruct(HEADER, [...ATTRS, 'lerpComplement', 'sqrtN']);

/** Storage buffers of the widest dispatch of each op. */
export const ADAFACTOR_STORAGE_BUFFERS = 6;
export const ADAFACTOR_FACTORED_STORAGE_BUFFERS = 7;

interface Sizes {
  n: number;
  groups: number;
  rows?: number;
  cols?: number;
  batch?: number;
  rowGroups?: number;
  factorGroups?: number;
  meanGroups?: number;
}

function uniforms(op: string, s: Sizes, a: Attrs): ProgramUniform[] {
  const u32 = [s.n, s.groups, s.rows ?? 0, s.cols ?? 0, s.batch ?? 0, s.rowGroups ?? 0, s.factorGroups ?? 0, s.meanGroups ?? 0];
  return [
    ...u32.map((x) => ({ type: 'uint32' as const, data: [x] })),
    { type: 'float32', data: [1] },
    ...scalarUniforms(op, ATTRS, a),
    { type: 'float32', data: [lerpWeight(a.oneMinusBeta2).complement] },
    // torch divides by √numel computed in float64 (math.sqrt), rounded once here.
    { type: 'float32', data: [Math.sqrt(s.n)] },
  ];
}

/** `lerp(s, e, oneMinusBeta2)`. */
const lerpBeta = (low: boolean, s: string, e: string) => lerp(low, s, e, 'f.oneMinusBeta2', 'f.lerpComplement');

/**
 * The update pass of both ops: `V` from `variance` (the statements that set `v`
 * and write the new second moment), `U = (1 / √max(V, eps1²))·g` kept in the new
 * param's buffer, and the partials of Σp², ΣU².
 */
function updatePass(inputs: readonly string[], outputs: readonly string[], maximize: boolean, variance: string): string {
  return `${UNIFORMS}
${bindings(inputs, [...outputs, 'partials'])}
${sharedSums(2)}

${ENTRY}
  var sp = 0.0;
  var su = 0.0;
  ${GRID_STRIDE} {
    let p = param[i];
    let g = ${maximize ? '-grad[i]' : 'grad[i]'};
    ${variance}
    let u = (1.0 / sqrt(max(v, f.eps1Sq))) * g;
    out_param[i] = u;
    sp = sp + p * p;
    su = su + u * u;
  }
${writePartials(['sp', 'su'])}
}
`;
}

/** AdafactorStep's first dispatch: `v' = lerp(v, g², 1 − β₂ₜ)`. */
const stepShader = (maximize: boolean, low: boolean) =>
  updatePass(STEP.inputs, STEP.outputs, maximize, `let sq = R(g * g);
    let v0 = variance[i];
    let v = R(${lerpBeta(low, 'v0', 'sq')});
    out_variance[i] = v;`);

/** The last dispatch of both ops: α from Σp², the clip from ΣU², and the new param. */
function applyShader(): string {
  return `${UNIFORMS}
${bindings(['param', 'partials'], ['param'])}
${sharedSums(2)}

${ENTRY}
${readTotals(2)}
  let alpha = R(max(R(sqrt(total0) / f.sqrtN), f.eps2) * f.rho);
  let step = R(alpha / max(R(sqrt(total1) / f.sqrtN) / f.d, 1.0));
  ${GRID_STRIDE} {
    out_param[i] = R(param[i] * f.paramScale) - R(out_param[i] * step);
  }
}
`;
}

/**
 * Sums `term(k)` for k in [0, len) into `name`: by the whole workgroup (`wide`)
 * or by one invocation. With `wide`, every invocation of the workgroup must reach it.
 */
function segmentSum(wide: boolean, name: string, len: string, term: (k: string) => string): string {
  // One invocation sums in blocks of 64 (a column of a tall matrix is long): a float32
  // running sum of n terms errs by up to n ulp, two levels by about 64 + n/64.
  if (!wide) {
    return `var ${name} = 0.0;
    for (var k0 = 0u; k0 < ${len}; k0 = k0 + 64u) {
      var block = 0.0;
      for (var k = k0; k < min(k0 + 64u, ${len}); k = k + 1u) { block = block + ${term('k')}; }
      ${name} = ${name} + block;
    }`;
  }
  return `var part = 0.0;
    for (var k = li; k < ${len}; k = k + ${WORKGROUP}u) { part = part + ${term('k')}; }
    sum0[li] = part;
  ${treeSum(1)}
    let ${name} = sum0[0];`;
}

/** Dispatch 1: `rowGroups` workgroups for the rows, then ceil(batch·cols / WORKGROUP) for the columns. */
function factorsShader(wideRows: boolean, low: boolean): string {
  // Squares need no sign: grad is read as is.
  const rowFactor = `let e = R(R(s) / f32(f.cols));
    let r0 = rowVar[row];
    out_rowVar[row] = R(${lerpBeta(low, 'r0', 'e')});`;
  const rowSquares = (k: string) => `sq(grad[at + ${k}])`;
  return `${UNIFORMS}
${bindings(['grad', 'rowVar', 'colVar'], ['rowVar', 'colVar'])}
${sharedSums(1)}
fn sq(x: f32) -> f32 { return x * x; }

${ENTRY}
  let wid = wg.y * nwg.x + wg.x;
  if (wid >= f.factorGroups) { return; }
  if (wid < f.rowGroups) {
    ${
      wideRows
        ? `let row = wid;
    let at = row * f.cols;
    ${segmentSum(true, 's', 'f.cols', rowSquares)}
    if (li == 0u) {
    ${rowFactor}
    }`
        : `let row = wid * ${WORKGROUP}u + li;
    if (row < f.batch * f.rows) {
    let at = row * f.cols;
    ${segmentSum(false, 's', 'f.cols', rowSquares)}
    ${rowFactor}
    }`
    }
    return;
  }
  let t = (wid - f.rowGroups) * ${WORKGROUP}u + li;
  if (t >= f.batch * f.cols) { return; }
  let b = t / f.cols;
  let at = b * f.rows * f.cols + (t - b * f.cols);
  ${segmentSum(false, 's', 'f.rows', (k) => `sq(grad[at + ${k} * f.cols])`)}
  let e = R(R(s) / f32(f.rows));
  let c0 = colVar[t];
  out_colVar[t] = R(${lerpBeta(low, 'c0', 'e')});
}
`;
}

/** Dispatch 2: `max(mean_i rowVar'[b, i], eps1)` per matrix b, into `means`. */
function meansShader(wide: boolean): string {
  const write = 'out_means[b] = max(R(R(s) / f32(f.rows)), f.eps1);';
  const term = (k: string) => `rowVar[b * f.rows + ${k}]`;
  return `${UNIFORMS}
${bindings(['rowVar'], ['means'])}
${sharedSums(1)}

${ENTRY}
  let wid = wg.y * nwg.x + wg.x;
  if (wid >= f.meanGroups) { return; }
  ${
    wide
      ? `let b = wid;
    ${segmentSum(true, 's', 'f.rows', term)}
  if (li == 0u) { ${write} }`
      : `let b = wid * ${WORKGROUP}u + li;
  if (b < f.batch) {
    ${segmentSum(false, 's', 'f.rows', term)}
    ${write}
  }`
  }
}
`;
}

/** Dispatch 3: `V = (rowVar'·colVar') / mean` per element, then the update pass. */
const factoredUpdateShader = (maximize: boolean) =>
  updatePass(['param', 'grad', 'rowVar', 'colVar', 'means'], ['param'], maximize, `let row = i / f.cols;
    let b = row / f.rows;
    let v = R(R(rowVar[row] * colVar[b * f.cols + (i - row * f.cols)]) / means[b]);`);

const empty = (be: WebGPUBackendLike, shape: number[], fill: number) => be.makeTensorInfo(shape, 'float32', new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill));

export const adafactorKernel: KernelFor<typeof STEP> = ({ inputs, attrs, backend }) => {
  const be = checkBackend(backend);
  const shape = shapesOf(STEP, inputs).param;
  const n = shape.reduce((a, b) => a * b, 1);
  if (n === 0) return { param: empty(be, shape, 0), variance: empty(be, shape, 0) };
  const ins = STEP.inputs.map((name) => inputs[name]);
  for (const t of ins) gpuBuffer(be, t);
  const [param, variance] = STEP.outputs.map(() => newOutput(be, shape));
  const groups = strideGroups(n);
  // Scratch for the partial sums: disposed after recording, it lives until the submit.
  const partials = newOutput(be, [2 * groups]);
  const u = uniforms(STEP.name, { n, groups }, attrs);
  const low = lerpWeight(attrs.oneMinusBeta2).low;
  const name = `Descent${STEP.name}`;
  const [maximize, wg] = [attrs.maximize, [groups, 1] as const];
  runPass(be, name, { key: `moments[maximize=${+maximize},low=${+low}]`, code: stepShader(maximize, low), outputs: [param, variance, partials], inputs: ins, workgroups: wg }, u);
  runPass(be, name, { key: 'apply', code: applyShader(), outputs: [param], inputs: [ins[0], partials], workgroups: wg }, u);
  be.disposeData(partials.dataId);
  return { param, variance };
};

export const adafactorFactoredKernel: KernelFor<typeof FACTORED> = ({ inputs, attrs, backend }) => {
  const be = checkBackend(backend);
  const shapes = shapesOf(FACTORED, inputs);
  const shape = shapes.param;
  const n = shape.reduce((a, b) => a * b, 1);
  // The fallback's means over an empty axis are 0/0: a factor that has elements is NaN.
  if (n === 0) return { param: empty(be, shape, 0), rowVar: empty(be, shapes.rowVar, NaN), colVar: empty(be, shapes.colVar, NaN) };
  const cols = shape[shape.length - 1];
  const rows = shape[shape.length - 2];
  const batch = n / (rows * cols);
  const ins = FACTORED.inputs.map((name) => inputs[name]);
  for (const t of ins) gpuBuffer(be, t);
  const param = newOutput(be, shape);
  const rowVar = newOutput(be, shapes.rowVar);
  const colVar = newOutput(be, shapes.colVar);
  const groups = strideGroups(n);
  const wideRows = cols >= SHORT;
  const wideMeans = rows >= SHORT;
  const rowGroups = wideRows ? batch * rows : Math.ceil((batch * rows) / WORKGROUP);
  const factorGroups = rowGroups + Math.ceil((batch * cols) / WORKGROUP);
  const meanGroups = wideMeans ? batch : Math.ceil(batch / WORKGROUP);
  // Scratch: the per-matrix means, and the partial sums; disposed after recording, they live until the submit.
  const means = newOutput(be, [batch]);
  const partials = newOutput(be, [2 * groups]);
  const u = uniforms(FACTORED.name, { n, groups, rows, cols, batch, rowGroups, factorGroups, meanGroups }, attrs);
  const low = lerpWeight(attrs.oneMinusBeta2).low;
  const maximize = attrs.maximize;
  const [pIn, gIn, rIn, cIn] = ins;
  const name = `Descent${FACTORED.name}`;
  runPass(be, name, { key: `factors[wideRows=${+wideRows},low=${+low}]`, code: factorsShader(wideRows, low), outputs: [rowVar, colVar], inputs: [gIn, rIn, cIn], workgroups: grid(factorGroups) }, u);
  runPass(be, name, { key: `means[wide=${+wideMeans}]`, code: meansShader(wideMeans), outputs: [means], inputs: [rowVar], workgroups: grid(meanGroups) }, u);
  runPass(be, name, { key: `update[maximize=${+maximize}]`, code: factoredUpdateShader(maximize), outputs: [param, partials], inputs: [pIn, gIn, rowVar, colVar, means], workgroups: [groups, 1] }, u);
  runPass(be, name, { key: 'apply', code: applyShader(), outputs: [param], inputs: [pIn, partials], workgroups: [groups, 1] }, u);
  be.disposeData(means.dataId);
  be.disposeData(partials.dataId);
  return { param, rowVar, colVar };
};
