// libtensorflow's startup log, as TensorFlow 2.9 writes it, and the errors built
// from it when TensorFlow falls back to the CPU.
import { describe, expect, it } from 'vitest';
import { findCudaLibraries, parseTfLog, type ProbeResult } from '../src/index.js';
import { explainNoGpu } from '../src/diagnose.js';
import type { DriverReport } from '../src/gpu-info.js';
import { describePackage } from '../src/resolve.js';
import { realPackageDir } from './installs.js';

const at = (level: string, file: string, text: string) => `2026-11-30 10:00:00.000000: ${level} tensorflow/${file}] ${text}`;
const NO_CUDNN = [
  at('I', 'stream_executor/cuda/cuda_gpu_executor.cc:975', 'successful NUMA node read from SysFS had negative value (-1), but there must be at least one NUMA node, so returning NUMA node zero'),
  at('W', 'stream_executor/platform/default/dso_loader.cc:64', "Could not load dynamic library 'libcudnn.so.8'; dlerror: libcudnn.so.8: cannot open shared object file: No such file or directory"),
  at('W', 'core/common_runtime/gpu/gpu_device.cc:1850', 'Cannot dlopen some GPU libraries. Please make sure the missing libraries mentioned above are installed properly if you would like to use GPU.'),
  'Skipping registering GPU devices...',
].join('\n');
const NO_CUDART = at(
  'W',
  'stream_executor/platform/default/dso_loader.cc:64',
  "Could not load dynamic library 'libcudart.so.11.0'; dlerror: libcudart.so.11.0: cannot open shared object file: No such file or directory; LD_LIBRARY_PATH: /usr/local/cuda/lib64:",
);
const NO_DEVICE = at('E', 'stream_executor/cuda/cuda_driver.cc:271', 'failed call to cuInit: CUDA_ERROR_NO_DEVICE: no CUDA-capable device is detected');
const CREATED = at(
  'I',
  'core/common_runtime/gpu/gpu_device.cc:1532',
  'Created device /job:localhost/replica:0/task:0/device:GPU:0 with 13598 MB memory:  -> device: 0, name: Tesla T4, pci bus id: 0000:00:04.0, compute capability: 7.5',
);
const OLD_GPU = at(
  'I',
  'core/common_runtime/gpu/gpu_device.cc:1717',
  'Ignoring visible gpu device (device: 0, name: GeForce GTX 680, pci bus id: 0000:02:00.0, compute capability: 3.0) with Cuda compute capability 3.0. The minimum required Cuda capability is 3.5.',
);
const CPU_BUILD = at('I', 'core/platform/cpu_feature_guard.cc:193', 'This TensorFlow binary is optimized with oneAPI Deep Neural Network Library (oneDNN) to use the following CPU instructions in performance-critical operations:  AVX2 FMA');

describe('parseTfLog', () => {
  it('reads the libraries TensorFlow could not open and why', () => {
    const log = parseTfLog(`${NO_CUDART}\n${NO_CUDNN}`);
    expect(log.failedLibraries).toEqual([
      { file: 'libcudart.so.11.0', dlerror: 'libcudart.so.11.0: cannot open shared object file: No such file or directory' },
      { file: 'libcudnn.so.8', dlerror: 'libcudnn.so.8: cannot open shared object file: No such file or directory' },
    ]);
    expect(log.mentionsCuda).toBe(true);
  });

  it('reads the device TensorFlow created: name, memory, compute capability', () => {
    expect(parseTfLog(CREATED).devices).toEqual([{ index: 0, name: 'Tesla T4', memoryMB: 13598, pciBusId: '0000:00:04.0', computeCapability: '7.5' }]);
  });

  it('reads cuInit failures and ignored GPUs; a CPU build says nothing about CUDA', () => {
    expect(parseTfLog(NO_DEVICE).cuInitError).toBe('CUDA_ERROR_NO_DEVICE: no CUDA-capable device is detected');
    expect(parseTfLog(OLD_GPU).ignoredDevices).toEqual([
      { description: 'device: 0, name: GeForce GTX 680, pci bus id: 0000:02:00.0, compute capability: 3.0', computeCapability: '3.0', minimum: '3.5' },
    ]);
    expect(parseTfLog(CPU_BUILD).mentionsCuda).toBe(false);
  });
});

describe('explainNoGpu: TensorFlow started on the CPU though a GPU was wanted', () => {
  const pkg = describePackage('@tensorflow/tfjs-node-gpu', `${realPackageDir('@tensorflow/tfjs-node-gpu')}/package.json`);
  const noLibsMissing = findCudaLibraries({ env: { LD_LIBRARY_PATH: '' }, ldconfig: () => '', commonDirs: [] });
  const allThere = { ...noLibsMissing, missing: [], driverLibrary: '/usr/lib/x86_64-linux-gnu/libcuda.so.1' };
  const driver: DriverReport = { driverVersion: '535.104.05', gpus: [{ index: 0, uuid: 'GPU-1', name: 'Tesla T4', memoryMiB: 15360, computeCapability: '7.5' }] };
  const probe = (stderr: string, extra: Partial<ProbeResult> = {}): ProbeResult => ({
    ok: true,
    usingGpu: false,
    gpuPackage: true,
    tfVersion: '2.9.1',
    timedOut: false,
    log: parseTfLog(stderr),
    stderr,
    ...extra,
  });

  it('a library TensorFlow could not open: the name, dlerror, the versions and the install commands', () => {
    const err = explainNoGpu(pkg, allThere, driver, probe(NO_CUDNN));
    expect(err.code).toBe('cuda-libraries');
    expect(err.message).toContain('@tensorflow/tfjs-node-gpu started TensorFlow (libtensorflow 2.9.1) on the CPU, not a GPU:');
    expect(err.message).toContain('it needs CUDA 11.2 and cuDNN 8.1, and could not open libcudnn.so.8 (libcudnn.so.8: cannot open shared object file: No such file or directory)');
    expect(err.message).toContain('conda install -c conda-forge cudatoolkit=11.2 cudnn=8.1.0');
    expect(err.message).toContain("useBackend('webgpu')");
  });

  it('without a probe, the library scan says what is missing', () => {
    const err = explainNoGpu(pkg, noLibsMissing, driver);
    expect(err.code).toBe('cuda-libraries');
    expect(err.message).toContain('libcudart.so.11.0 (the CUDA 11.2 runtime) is missing');
  });

  it('no driver, cuInit failing, a GPU too old', () => {
    expect(explainNoGpu(pkg, { ...allThere, driverLibrary: undefined }, driver, probe('')).message).toContain("The NVIDIA driver's libcuda.so.1 was not found by the loader: install an NVIDIA driver >= 450.80.02");
    expect(explainNoGpu(pkg, allThere, { ...driver, driverVersion: '418.67' }, probe('')).message).toContain('The NVIDIA driver is 418.67; CUDA 11.2 needs 450.80.02 or newer');
    const noDevice = explainNoGpu(pkg, allThere, driver, probe(NO_DEVICE));
    expect(noDevice.code).toBe('no-gpu');
    expect(noDevice.message).toContain('cuInit failed (CUDA_ERROR_NO_DEVICE: no CUDA-capable device is detected): no CUDA GPU is visible to this process');
    expect(explainNoGpu(pkg, allThere, driver, probe(OLD_GPU)).message).toContain('compute capability 3.0 is below the 3.5 libtensorflow 2.9.1 needs');
  });

  it('a CPU libtensorflow in tfjs-node-gpu, and tfjs-node loaded instead', () => {
    const cpu = explainNoGpu(pkg, allThere, driver, probe(CPU_BUILD));
    expect(cpu.code).toBe('cpu-build');
    expect(cpu.message).toContain('is a CPU build (it never tried to open CUDA): reinstall the GPU build with `npm rebuild @tensorflow/tfjs-node-gpu`');
    const other = explainNoGpu(pkg, allThere, driver, probe(CPU_BUILD, { gpuPackage: false }));
    expect(other.code).toBe('cpu-build');
    expect(other.message).toContain('the tensorflow backend in this process is @tensorflow/tfjs-node, the CPU build');
  });
});
