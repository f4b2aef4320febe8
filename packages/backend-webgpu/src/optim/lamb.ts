// LambStep: the trust ratio needs ‖p‖ and ‖u‖ over the whole parameter, so with
// `adapt` it takes two dispatches in the same compute pass. The first computes the
// moments and the raw update u (kept in the new param's buffer) and per-workgroup
// partial sums of p² and u²; the second sums the partials in every workgroup and
// applies p' = p - lr (r u). Without `adapt` the first dispatch writes p' itself.
// Both use reduce.ts's grid-stride loop over at most MAX_GROUPS workgroups, so the
// second dispatch reduces at most MAX_GROUPS partials, one per invocation.
import type * as tf from '@tensorflow/tfjs-core';
import { fusedOps, type FusedKernelFunc } from '@descent/core';
import { bindings, flagKey, scalarUniforms, uniformStruct } from './elementwise.js';
import { ENTRY, GRID_STRIDE, readTotals, runPass, sharedSums, strideGroups, writePartials } from './reduce.js';
import { checkBackend, gpuBuffer, newOutput, type ProgramUniform } from '../tfjs-webgpu.js';

const LAMB = fusedOps.LambStep;
const INPUTS = LAMB.inputs;
const OUTPUTS = LAMB.outputs;
const SCALARS = ['lr', 'beta1', 'beta3', 'beta2', 'oneMinusBeta2', 'eps', 'biasCorrection1', 'biasCorrection2Sqrt', 'weightDecay'] as const;
const HEADER = ['n: u32', 'groups: u32'];
/** Storage buffers of the first dispatch: the inputs, the outputs and the partial sums. */
export const LAMB_STORAGE_BUFFERS = INPUTS.length + OUTPUTS.length + 1;

function momentsShader(adapt: boolean, decay: boolean): string {
  const outputs = adapt ? [...OUTPUTS, 'partials'] : OUTPUTS;
  return `${uniformStruct(HEADER, SCALARS)}
${bindings(INPUTS, outputs)}
${sharedSums(2)}

${ENTRY}
  let div = gradDivisor[0];
  var w = 0.0;
  var n = 0.0;
  ${GRID_STRIDE} {
    let p = param[i];
    let g = grad[i] / div;
    let m = R(expAvg[i] * f.beta1 + f.beta3 * g);
    let v = R(expAvgSq[i] * f.beta2 + (f.oneMinusBeta2 * g) * g);
    var u = (m / f.biasCorrection1) / (sqrt(v) / f.biasCorrection2Sqrt + f.eps);
    ${decay ? 'u = u + f.weightDecay * p;' : ''}
    out_expAvg[i] = m;
    out_expAvgSq[i] = v;
    ${adapt ? 'out_param[i] = u;\n    w = w + p * p;\n    n = n + u * u;' : 'out_param[i] = p - f.lr * u;'}
  }
${adapt ? writePartials(['w', 'n']) : ''}
}
`;
}

function applyShader(trustClip: boolean): string {
  return `${uniformStruct(HEADER, SCALARS)}
${bindings(['param', 'partials'], ['param'])}
${sharedSums(2)}

${ENTRY}
${readTotals(2)}
  let w = sqrt(total0);
  let n = sqrt(total1);
  var r = 1.0;
  if (w > 0.0 && n > 0.0) { r = w / n; }
  ${trustClip ? 'r = min(r, 1.0);' : ''}
  ${GRID_STRIDE} {
    out_param[i] = param[i] - f.lr * (out_param[i] * r);
  }
}
`;
}

type LambKernel = FusedKernelFunc<(typeof INPUTS)[number], (typeof OUTPUTS)[number], typeof LAMB.attrs>;

/** The outputs by name, from a list in declaration order. */
const named = (list: tf.TensorInfo[]) => ({ param: list[0], expAvg: list[1], expAvgSq: list[2] });

export const lambKernel: LambKernel = ({ inputs, attrs, backend }) => {
  const be = checkBackend(backend);
  const shape = [...inputs.param.shape];
  const n = shape.reduce((a, b) => a * b, 1);
  if (n === 0) return named(OUTPUTS.map(() => be.makeTensorInfo(shape, 'float32', new Float32Array(0))));
  const { adapt, trustClip } = attrs;
  const decay = attrs.weightDecay !== 0;
  const ins = INPUTS.map((name) => inputs[name]);
  for (const t of ins) gpuBuffer(be, t);
  const outs = OUTPUTS.map(() => newOutput(be, shape));
  const groups = strideGroups(n);
  // Scratch for the partial sums: a backend tensor disposed right after the
  // dispatches, so it lives until the command buffer is submitted.
  const partials = adapt ? newOutput(be, [2 * groups]) : undefined;
  const uniforms: ProgramUniform[] = [
    { type: 'uint32', data: [n] },
    { type: 'uint32', data: [groups] },
    { type: 'float32', data: [1] },
    ...scalarUniforms('LambStep', SCALARS, attrs),
  ];
  const name = 'DescentLambStep';
  const written = partials ? [...outs, partials] : outs;
  runPass(be, name, { key: `moments[${flagKey({ adapt, decay })}]`, code: momentsShader(adapt, decay), outputs: written, inputs: ins, workgroups: [groups, 1] }, uniforms);
  if (partials) {
    runPass(be, name, { key: `apply[trustClip=${trustClip ? 1 : 0}]`, code: applyShader(trustClip), outputs: [outs[0]], inputs: [ins[0], partials], workgroups: [groups, 1] }, uniforms);
    be.disposeData(partials.dataId);
  }
  return named(outs);
};
