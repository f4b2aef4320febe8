// What the driver's tools say, parsed, and when a GPU can be tied to TensorFlow's GPU:0.
import { describe, expect, it } from 'vitest';
import { probeDriver } from '../src/index.js';
import { deviceZero, parseNvidiaSmi, type GpuRecord } from '../src/gpu-info.js';

// `nvidia-smi --query-gpu=index,uuid,name,memory.total,compute_cap,driver_version --format=csv,noheader,nounits` on an H200.
const H200 = '0, GPU-5f1c2b7e-0d1f-4a3e-9c8a-1b2c3d4e5f60, NVIDIA H200, 143771, 9.0, 580.159.03\n';

describe('nvidia-smi', () => {
  it('parses its CSV, with and without compute_cap', () => {
    expect(parseNvidiaSmi(H200, true)).toEqual({
      gpus: [{ index: 0, uuid: 'GPU-5f1c2b7e-0d1f-4a3e-9c8a-1b2c3d4e5f60', name: 'NVIDIA H200', memoryMiB: 143771, computeCapability: '9.0' }],
      driverVersion: '580.159.03',
    });
    expect(parseNvidiaSmi('0, GPU-1, Tesla T4, 15360, 470.82.01\n', false).gpus[0]).toMatchObject({ name: 'Tesla T4', memoryMiB: 15360, computeCapability: null });
  });

  it('asks again without compute_cap on drivers that lack the field', () => {
    const calls: string[][] = [];
    const r = probeDriver({
      readProcVersion: () => 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  470.82.01  Thu Oct 28 20:07:44 UTC 2021\n',
      nvidiaSmi: (args) => {
        calls.push(args);
        if (args[0]!.includes('compute_cap')) throw Object.assign(new Error('exit 2'), { stdout: 'Field "compute_cap" is not a valid field to query.\n' });
        return '0, GPU-1, Tesla T4, 15360, 470.82.01\n';
      },
    });
    expect(calls).toHaveLength(2);
    expect(r.driverVersion).toBe('470.82.01');
    expect(r.gpus[0]!.name).toBe('Tesla T4');
  });

  it('says when nvidia-smi is not there (this machine)', () => {
    const r = probeDriver();
    if (r.gpus.length === 0) expect(r.nvidiaSmiError).toMatch(/nvidia-smi is not on the PATH|nvidia-smi failed/);
    else expect(r.gpus[0]!.name).not.toBe('');
  });
});

describe('deviceZero', () => {
  const a: GpuRecord = { index: 0, uuid: 'GPU-aaaa', name: 'NVIDIA A100', memoryMiB: 40960, computeCapability: '8.0' };
  const b: GpuRecord = { index: 1, uuid: 'GPU-bbbb', name: 'NVIDIA T4', memoryMiB: 15360, computeCapability: '7.5' };

  it('is the only GPU, or the one CUDA_VISIBLE_DEVICES names by UUID', () => {
    expect(deviceZero([a], {})).toBe(a);
    expect(deviceZero([a, b], { CUDA_VISIBLE_DEVICES: 'GPU-bbbb' })).toBe(b);
    expect(deviceZero([a, b], { CUDA_VISIBLE_DEVICES: '1', CUDA_DEVICE_ORDER: 'PCI_BUS_ID' })).toBe(b);
  });

  it('is unknown when CUDA may order the GPUs otherwise than nvidia-smi', () => {
    expect(deviceZero([a, b], {})).toBeUndefined();
    expect(deviceZero([a, b], { CUDA_VISIBLE_DEVICES: '1' })).toBeUndefined();
  });
});
