// MuonMomentum: the momentum lerp (and Nesterov's) is elementwise, but the update
// is divided by its Frobenius norm, so it takes two dispatches in one compute
// pass: the first writes the new buffer, the raw update and per-workgroup sums of
// its squares; the second sums the partials in every workgroup and divides.
// MuonApply is elementwise (ops.ts).
import { fusedOps } from '@descent/core';
import { bindings, scalarUniforms, uniformStruct } from './elementwise.js';
import { ENTRY, GRID_STRIDE, type KernelFor, lerp, lerpWeight, readTotals, runPass, shapesOf, sharedSums, strideGroups, writePartials } from './reduce.js';
import { checkBackend, gpuBuffer, newOutput, type ProgramUniform } from '../tfjs-webgpu.js';

const OP = fusedOps.MuonMomentum;
const NAME = `Descent${OP.name}`;
const SCALARS = ['oneMinusMomentum', 'momentum', 'eps', 'bufComplement', 'gradComplement'] as const;
const HEADER = ['n: u32', 'groups: u32'];
/** Storage buffers of the first dispatch: the inputs, the outputs and the partial sums (the second binds 2). */
export const MUON_MOMENTUM_STORAGE_BUFFERS = OP.inputs.length + OP.outputs.length + 1;

interface Flags {
  nesterov: boolean;
  /** Which form of lerp each weight takes: `lerp(b, grad, 1 − μ)`, then Nesterov's `lerp(grad, b', μ)`. */
  bufLow: boolean;
  gradLow: boolean;
}

function momentumShader(fl: Flags): string {
  return `${uniformStruct(HEADER, SCALARS)}
${bindings(OP.inputs, [...OP.outputs, 'partials'])}
${sharedSums(1)}

${ENTRY}
  var sq = 0.0;
  ${GRID_STRIDE} {
    let g = grad[i];
    let m = momentumBuffer[i];
    let b = R(${lerp(fl.bufLow, 'm', 'g', 'f.oneMinusMomentum', 'f.bufComplement')});
    out_momentumBuffer[i] = b;
    let u = ${fl.nesterov ? `R(${lerp(fl.gradLow, 'g', 'b', 'f.momentum', 'f.gradComplement')})` : 'b'};
    out_update[i] = u;
    sq = sq + u * u;
  }
${writePartials(['sq'])}
}
`;
}

function normalizeShader(): string {
  return `${uniformStruct(HEADER, SCALARS)}
${bindings(['partials'], ['update'])}
${sharedSums(1)}

${ENTRY}
${readTotals(1)}
  let denom = max(R(sqrt(total0)), f.eps);
  ${GRID_STRIDE} {
    out_update[i] = out_update[i] / denom;
  }
}
`;
}

export const muonMomentumKernel: KernelFor<typeof OP> = ({ inputs, attrs, backend }) => {
  const be = checkBackend(backend);
  const shape = shapesOf(OP, inputs).grad;
  const n = shape.reduce((a, b) => a * b, 1);
  if (n === 0) return { momentumBuffer: be.makeTensorInfo(shape, 'float32', new Float32Array(0)), update: be.makeTensorInfo(shape, 'float32', new Float32Array(0)) };
  const ins = OP.inputs.map((name) => inputs[name]);
  for (const t of ins) gpuBuffer(be, t);
  const [momentumBuffer, update] = OP.outputs.map(() => newOutput(be, shape));
  const groups = strideGroups(n);
  // Scratch for the partial sums: disposed after recording, it lives until the submit.
  const partials = newOutput(be, [groups]);
  const toBuf = lerpWeight(attrs.oneMinusMomentum);
  const toGrad = lerpWeight(attrs.momentum);
  const fl: Flags = { nesterov: attrs.nesterov === true, bufLow: toBuf.low, gradLow: toGrad.low };
  const uniforms: ProgramUniform[] = [
    { type: 'uint32', data: [n] },
    { type: 'uint32', data: [groups] },
    { type: 'float32', data: [1] },
    ...scalarUniforms(OP.name, SCALARS.slice(0, 3), attrs),
    { type: 'float32', data: [toBuf.complement] },
    { type: 'float32', data: [toGrad.complement] },
  ];
  const key = `moments[nesterov=${+fl.nesterov},bufLow=${+fl.bufLow},gradLow=${+fl.gradLow}]`;
  runPass(be, NAME, { key, code: momentumShader(fl), outputs: [momentumBuffer, update, partials], inputs: ins, workgroups: [groups, 1] }, uniforms);
  runPass(be, NAME, { key: 'normalize', code: normalizeShader(), outputs: [update], inputs: [partials], workgroups: [groups, 1] }, uniforms);
  be.disposeData(partials.dataId);
  return { momentumBuffer, update };
};
