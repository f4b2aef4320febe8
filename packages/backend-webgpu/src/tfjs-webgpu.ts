// The parts of tfjs-backend-webgpu 4.22's `WebGPUBackend` that Descent's kernels
// use, declared once for the optim and amp kernels. The amp kernels run tfjs
// programs (`runWebGPUProgram`). tfjs programs have one output each, so the optim kernels record
// their own dispatches into the backend's command encoder, exactly as
// `runWebGPUProgram` does: same encoder and pass (so they run after the ops that
// produced their inputs), same deferred-disposal bookkeeping, same batching of
// submits. Several members are private in tfjs's typings; `checkBackend` fails
// loudly if a tfjs upgrade renames them.
import * as tf from '@tensorflow/tfjs-core';
import { DescentError } from '@descent/core';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type GpuDevice = any;
export type GpuBuffer = any;
export type GpuPassEncoder = any;

export interface TensorData {
  resource?: GpuBuffer | null;
  values?: unknown;
  dtype: string;
  shape: number[];
}

export interface ProgramUniform {
  type: 'float32' | 'int32' | 'uint32';
  data: number[];
}

/** A tfjs program, as `runWebGPUProgram` takes it (tfjs-backend-webgpu's `WebGPUProgram`). */
export interface Program {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y?: number[]; z?: number[] };
  dispatch: [number, number, number];
  variableNames: string[];
  workgroupSize: [number, number, number];
  size?: boolean;
  uniforms?: string;
  getUserCode(): string;
}

export interface WebGPUBackendLike {
  device: GpuDevice;
  runWebGPUProgram(program: Program, inputs: tf.TensorInfo[], outputDtype: tf.DataType, uniforms?: ProgramUniform[], output?: tf.TensorInfo): tf.TensorInfo;
  tensorMap: { get(dataId: object): TensorData };
  makeTensorInfo(shape: number[], dtype: 'float32', values?: Float32Array): tf.TensorInfo;
  uploadToGPU(dataId: object): void;
  disposeData(dataId: object, force?: boolean): boolean;
  makeUniforms(uniforms: ProgramUniform[]): { offset: number; size: number; buffer: GpuBuffer };
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  commandEncoder: { beginComputePass(descriptor: object): GpuPassEncoder } | null;
  computePassEncoder: GpuPassEncoder | null;
  dispatchCountInPass: number;
  commandQueueOwnedIds: WeakSet<object>;
  activeTimers: Array<{ name: string; query: Promise<number> }> | null | undefined;
}

const METHODS = ['runWebGPUProgram', 'makeTensorInfo', 'uploadToGPU', 'disposeData', 'makeUniforms', 'ensureCommandEncoderReady', 'endComputePassEncoder', 'submitQueue'];

const checked = new WeakSet<object>();

/** The backend as the kernels use it; throws if it is not tfjs-webgpu's (or a tfjs upgrade changed it). */
export function checkBackend(backend: tf.KernelBackend): WebGPUBackendLike {
  const be = backend as unknown as WebGPUBackendLike & Record<string, unknown>;
  if (checked.has(be)) return be;
  const missing = METHODS.filter((m) => typeof be[m] !== 'function');
  if (!be.device || !be.tensorMap || !(be.commandQueueOwnedIds instanceof WeakSet) || typeof be.dispatchCountInPass !== 'number') {
    missing.push('device/tensorMap/commandQueueOwnedIds/dispatchCountInPass');
  }
  if (missing.length > 0) {
    throw new DescentError(`Descent's webgpu kernels need tfjs-backend-webgpu 4.22's WebGPUBackend; this backend lacks ${missing.join(', ')}`);
  }
  checked.add(be);
  return be;
}

/** The GPU buffer of a tensor, uploading its data first if it is still on the CPU. */
export function gpuBuffer(be: WebGPUBackendLike, t: tf.TensorInfo): GpuBuffer {
  be.uploadToGPU(t.dataId);
  return be.tensorMap.get(t.dataId).resource;
}

/** A new float32 tensor with a GPU buffer, for a kernel to write. */
export function newOutput(be: WebGPUBackendLike, shape: number[]): tf.TensorInfo {
  const info = be.makeTensorInfo(shape, 'float32');
  be.uploadToGPU(info.dataId);
  return info;
}

/**
 * Records one dispatch into the backend's current compute pass, marks the
 * tensors it touches as owned by the pending command buffer (so disposing one
 * waits for the submit), and submits when tfjs would.
 */
export function recordDispatch(
  be: WebGPUBackendLike,
  name: string,
  pipeline: unknown,
  bindGroup: unknown,
  workgroups: readonly [number, number],
  touched: readonly tf.TensorInfo[],
): void {
  for (const t of touched) be.commandQueueOwnedIds.add(t.dataId);
  const timing = be.activeTimers != null;
  be.ensureCommandEncoderReady();
  if (timing) be.endComputePassEncoder();
  if (!be.computePassEncoder) be.computePassEncoder = be.commandEncoder!.beginComputePass({});
  const pass = be.computePassEncoder;
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(workgroups[0], workgroups[1], 1);
  be.dispatchCountInPass++;
  if (timing) {
    // tf.time/profile: no timestamp query for these dispatches; they count as 0 ms.
    be.endComputePassEncoder();
    be.activeTimers!.push({ name, query: Promise.resolve(0) });
  } else if ((tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') as number) <= be.dispatchCountInPass) {
    be.endComputePassEncoder();
    be.submitQueue();
  }
}
