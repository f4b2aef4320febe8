// LambStep: the trust ratio needs ‖p‖ and ‖u‖ over the whole parameter, so with
// `adapt` it takes two dispatches in the same compute pass. The first computes the
// moments and the raw update u (kept in the new param's buffer) and per-workgroup
// partial sums of p² and u²; the second sums the partials in every workgroup and
// applies p' = p - lr (r u). Without `adapt` the first dispatch writes p' itself.
// Both use a grid-stride loop over at most MAX_GROUPS workgroups, so the
// second dispatch reduces at most MAX_GROUPS partials, one per invocation.
import type * as tf from '@tensorflow/tfjs-core';
import { fusedOps, type FusedKernelFunc } from '@descent/core';
import { WORKGROUP, bindings, flagKey, scalarUniforms, uniformStruct } from './elementwise.js';
import { getPipeline, makeBindGroup } from './pipeline.js';
import { checkBackend, gpuBuffer, newOutput, recordDispatch } from '../tfjs-webgpu.js';

const MAX_GROUPS = WORKGROUP;
const LAMB = fusedOps.LambStep;
const INPUTS = LAMB.inputs;
const OUTPUTS = LAMB.outputs;
const SCALARS = ['lr', 'beta1', 'beta3', 'beta2', 'oneMinusBeta2', 'eps', 'biasCorrection1', 'biasCorrection2Sqrt', 'weightDecay'] as const;
const HEADER = ['n: u32', 'groups: u32'];
/** Storage buffers of the first dispatch: the inputs, the outputs and the partial sums. */
export const LAMB_STORAGE_BUFFERS = INPUTS.length + OUTPUTS.length + 1;

/** Tree-sums `a` and `b` (workgroup arrays) into element 0; every invocation must call it. */
const REDUCE = `
  workgroupBarrier();
  for (var s = ${WORKGROUP / 2}u; s > 0u; s = s >> 1u) {
    if (li < s) {
      sumA[li] = sumA[li] + sumA[li + s];
      sumB[li] = sumB[li] + sumB[li + s];
    }
    workgroupBarrier();
  }`;

const SHARED = `var<workgroup> sumA: array<f32, ${WORKGROUP}>;
var<workgroup> sumB: array<f32, ${WORKGROUP}>;`;

const ENTRY = `@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wg: vec3<u32>) {`;

function momentsShader(adapt: boolean, decay: boolean): string {
  const outputs = adapt ? [...OUTPUTS, 'partials'] : OUTPUTS;
  return `${uniformStruct(HEADER, SCALARS)}
${bindings(INPUTS, outputs)}
${SHARED}

${ENTRY}
  let div = gradDivisor[0];
  var w = 0.0;
  var n = 0.0;
  for (var i = wg.x * ${WORKGROUP}u + li; i < f.n; i = i + f.groups * ${WORKGROUP}u) {
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
  ${
    adapt
      ? `sumA[li] = w;
  sumB[li] = n;${REDUCE}
  if (li == 0u) {
    out_partials[2u * wg.x] = sumA[0];
    out_partials[2u * wg.x + 1u] = sumB[0];
  }`
      : ''
  }
}
`;
}

function applyShader(trustClip: boolean): string {
  return `${uniformStruct(HEADER, SCALARS)}
${bindings(['param', 'partials'], ['param'])}
${SHARED}

${ENTRY}
  var a = 0.0;
  var b = 0.0;
  if (li < f.groups) {
    a = partials[2u * li];
    b = partials[2u * li + 1u];
  }
  sumA[li] = a;
  sumB[li] = b;${REDUCE}
  let w = sqrt(sumA[0]);
  let n = sqrt(sumB[0]);
  var r = 1.0;
  if (w > 0.0 && n > 0.0) { r = w / n; }
  ${trustClip ? 'r = min(r, 1.0);' : ''}
  for (var i = wg.x * ${WORKGROUP}u + li; i < f.n; i = i + f.groups * ${WORKGROUP}u) {
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
  const inBuffers = ins.map((t) => gpuBuffer(be, t));
  const outs = OUTPUTS.map(() => newOutput(be, shape));
  const groups = Math.min(Math.ceil(n / WORKGROUP), MAX_GROUPS);
  // Scratch for the partial sums: a backend tensor disposed right after the
  // dispatches, so it lives until the command buffer is submitted.
  const partials = adapt ? newOutput(be, [2 * groups]) : undefined;
  const written = partials ? [...outs, partials] : outs;
  const writtenBuffers = written.map((t) => be.tensorMap.get(t.dataId).resource);
  const uniforms = () =>
    be.makeUniforms([
      { type: 'uint32', data: [n] },
      { type: 'uint32', data: [groups] },
      { type: 'float32', data: [1] },
      ...scalarUniforms('LambStep', SCALARS, attrs),
    ]);

  const flags = { adapt, decay };
  const first = getPipeline(be.device, { key: `DescentLambStep.moments[${flagKey(flags)}]`, code: momentsShader(adapt, decay), outputs: written.length, inputs: ins.length });
  const firstGroup = makeBindGroup(be.device, first, [...writtenBuffers, ...inBuffers], uniforms());
  recordDispatch(be, 'DescentLambStep', first.pipeline, firstGroup, [groups, 1], [...ins, ...written]);
  if (partials) {
    const second = getPipeline(be.device, { key: `DescentLambStep.apply[trustClip=${trustClip ? 1 : 0}]`, code: applyShader(trustClip), outputs: 1, inputs: 2 });
    const secondGroup = makeBindGroup(be.device, second, [writtenBuffers[0], inBuffers[0], writtenBuffers[3]], uniforms());
    recordDispatch(be, 'DescentLambStep', second.pipeline, secondGroup, [groups, 1], [ins[0], outs[0], partials]);
    be.disposeData(partials.dataId);
  }
  return named(outs);
};
