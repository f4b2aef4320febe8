import { brandErrorClass, DescentError } from '@descent/core';

/** What went wrong, for code that branches on it (`descent doctor`, tests). */
export type CudaErrorCode =
  /** `@tensorflow/tfjs-node-gpu` (or `-node`) cannot be resolved from the app. */
  | 'package-missing'
  /** It is installed, but not the 4.22.0 this adapter is built for. */
  | 'package-version'
  /** A package it requires (`@tensorflow/tfjs`, `@mapbox/node-pre-gyp`, …) is missing. */
  | 'package-dependency'
  /** `lib/napi-v8/tfjs_binding.node` is not there: the install script did not run or failed. */
  | 'addon-missing'
  /** The addon file is there but is not a loadable library (corrupt, another platform). */
  | 'addon-invalid'
  /** The addon loads, but libtensorflow (deps/lib/libtensorflow.so.2) does not. */
  | 'libtensorflow-missing'
  /** The system's C/C++ runtime is too old for libtensorflow (GLIBC_2.xx / GLIBCXX not found). */
  | 'system-too-old'
  /** A CUDA or cuDNN library is missing, or only another major version is there. */
  | 'cuda-libraries'
  /** The libraries load, but no GPU was found or the driver refused (cuInit failed, GPU too old). */
  | 'no-gpu'
  /** A CPU-only libtensorflow or `@tensorflow/tfjs-node` was asked to run on a GPU. */
  | 'cpu-build'
  /** tfjs-node brought another @tensorflow/tfjs-core than the app's. */
  | 'tfjs-core-mismatch'
  /** Anything else while loading or starting the `tensorflow` backend. */
  | 'load-failed';

/** The `tensorflow` backend cannot start; `message` says what is missing and how to install it. */
export class CudaBackendError extends DescentError {
  override name = 'CudaBackendError';
  static {
    brandErrorClass(this, 'CudaBackendError');
  }
  constructor(
    readonly code: CudaErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
