// @descent/backend-cuda: Descent on tfjs-node-gpu's `tensorflow` backend
// (libtensorflow 2.9.1 with CUDA 11.2 and cuDNN 8.1), or tfjs-node's CPU build.
// Nothing here loads libtensorflow until an adapter's init() runs.
export { createCudaAdapter, cudaAdapter, type CudaAdapter, type CudaAdapterOptions } from './adapter.js';
export { CudaBackendError, type CudaErrorCode } from './errors.js';
export { diagnoseCuda, type CudaDiagnosis, type CudaDiagnosisOptions } from './diagnose.js';
export { findCudaLibraries, type CudaLibraryReport, type LibraryCheck, type LibrarySearchOptions } from './cuda-libs.js';
export { probeDriver, type DriverReport, type GpuRecord } from './gpu-info.js';
export { probeTensorflow, type ProbeResult, type ProbeOptions } from './probe.js';
export { parseTfLog, type TfStartupLog, type TfDevice } from './tf-log.js';
export { findTfjsPackage, type TfjsPackageInfo } from './resolve.js';
export { registerTensorflowKernels, tensorflowKernelOps, TENSORFLOW_BACKEND } from './kernels/register.js';
export {
  CUDA_LIBRARIES,
  CUDA_VERSION,
  CUDNN_VERSION,
  DRIVER_LIBRARY,
  LIBTENSORFLOW_VERSION,
  MIN_DRIVER_VERSION,
  TFJS_NODE_VERSION,
  type CudaLibrary,
  type TfjsPackage,
} from './versions.js';
