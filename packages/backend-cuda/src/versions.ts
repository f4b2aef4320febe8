// The exact versions @tensorflow/tfjs-node-gpu 4.22.0 is built against. Its
// install script downloads libtensorflow 2.9.1 (the GPU build for linux-x64),
// which TensorFlow built with CUDA 11.2 and cuDNN 8.1 and which loads these
// libraries by their versioned names at startup (dlopen). A library of another
// major version has another name (libcudart.so.12, libcudnn.so.9), is not
// looked for, and is not ABI compatible.

/** The tfjs-node(-gpu) release this adapter drives (the same as its @tensorflow/tfjs-core peer). */
export const TFJS_NODE_VERSION = '4.22.0';
/** The libtensorflow tfjs-node(-gpu) 4.22.0 downloads when it installs. */
export const LIBTENSORFLOW_VERSION = '2.9.1';
/**
 * The CUDA release libtensorflow 2.9.1's GPU build was built with (its runtime libraries must be this major version).
 */
export const CUDA_VERSION = '11.2';
/** The cuDNN release libtensorflow 2.9.1's GPU build was built with (`libcudnn.so.8`). */
export const CUDNN_VERSION = '8.1';
/**
 * The oldest Linux driver that runs a CUDA 11.x runtime (CUDA 11's minor-version
 * compatibility); CUDA 11.2's own toolkit ships 460.27.03. Newer drivers
 * (including CUDA 12 and 13 drivers) run CUDA 11 programs.
 */
export const MIN_DRIVER_VERSION = '450.80.02';

/** The two tfjs-node builds: with CUDA (`tfjs-node-gpu`) or CPU only (`tfjs-node`). */
export type TfjsPackage = 'tfjs-node-gpu' | 'tfjs-node';
export const PACKAGE_NAMES: Record<TfjsPackage, string> = {
  'tfjs-node-gpu': '@tensorflow/tfjs-node-gpu',
  'tfjs-node': '@tensorflow/tfjs-node',
};

/** One shared library libtensorflow opens at startup, and where it comes from. */
export interface CudaLibrary {
  /** The file name libtensorflow loads. */
  file: string;
  /** The unversioned stem, to find other versions of it (`libcudart.so.12`). */
  stem: string;
  what: string;
  /** The NVIDIA apt package (CUDA 11.2 repository) that ships it. */
  apt: string;
}

/** The libraries libtensorflow 2.9.1 (GPU) opens at startup; one missing and TensorFlow runs on the CPU. */
export const CUDA_LIBRARIES: readonly CudaLibrary[] = [
  { file: 'libcudart.so.11.0', stem: 'libcudart.so', what: `the CUDA ${CUDA_VERSION} runtime`, apt: 'cuda-cudart-11-2' },
  { file: 'libcublas.so.11', stem: 'libcublas.so', what: 'cuBLAS 11', apt: 'libcublas-11-2' },
  { file: 'libcublasLt.so.11', stem: 'libcublasLt.so', what: 'cuBLASLt 11 (needed by cuBLAS)', apt: 'libcublas-11-2' },
  { file: 'libcufft.so.10', stem: 'libcufft.so', what: 'cuFFT 10 (CUDA 11.x)', apt: 'libcufft-11-2' },
  { file: 'libcurand.so.10', stem: 'libcurand.so', what: 'cuRAND 10 (CUDA 11.x)', apt: 'libcurand-11-2' },
  { file: 'libcusolver.so.11', stem: 'libcusolver.so', what: 'cuSOLVER 11', apt: 'libcusolver-11-2' },
  { file: 'libcusparse.so.11', stem: 'libcusparse.so', what: 'cuSPARSE 11', apt: 'libcusparse-11-2' },
  { file: 'libcudnn.so.8', stem: 'libcudnn.so', what: `cuDNN ${CUDNN_VERSION} (cuDNN 8)`, apt: 'libcudnn8=8.1.1.33-1+cuda11.2' },
];

/** The driver's own library (installed with the NVIDIA driver, not the toolkit). */
export const DRIVER_LIBRARY = 'libcuda.so.1';

/** How to get the CUDA 11.2 + cuDNN 8.1 libraries, for error messages. */
export const CUDA_INSTALL_HINT =
  `Install the CUDA ${CUDA_VERSION} runtime libraries and cuDNN ${CUDNN_VERSION} beside your driver (any driver >= ${MIN_DRIVER_VERSION} runs them, ` +
  `also a CUDA 12 or 13 one): with conda, \`conda install -c conda-forge cudatoolkit=11.2 cudnn=8.1.0\` and ` +
  '`export LD_LIBRARY_PATH=$CONDA_PREFIX/lib:$LD_LIBRARY_PATH`; or from NVIDIA\'s CUDA apt repository, ' +
  '`apt-get install cuda-cudart-11-2 libcublas-11-2 libcufft-11-2 libcurand-11-2 libcusolver-11-2 libcusparse-11-2 libcudnn8=8.1.1.33-1+cuda11.2` ' +
  'and `export LD_LIBRARY_PATH=/usr/local/cuda-11.2/lib64:$LD_LIBRARY_PATH`. ' +
  'Do not symlink a CUDA 12 library to the CUDA 11 name: the major versions are not ABI compatible.';

export const INSTALL_GPU_PACKAGE = `npm install @tensorflow/tfjs-node-gpu@${TFJS_NODE_VERSION}`;
export const INSTALL_CPU_PACKAGE = `npm install @tensorflow/tfjs-node@${TFJS_NODE_VERSION}`;

/** What the install script needs, for error messages. */
export const INSTALL_SCRIPT_HINT =
  `Its install script (\`node scripts/install.js\`) downloads libtensorflow ${LIBTENSORFLOW_VERSION} and the prebuilt addon from Google's servers, ` +
  'so the machine needs internet access while it installs (or TFJS_NODE_CDN_STORAGE / scripts/custom-binary.json pointing at a mirror). ' +
  'pnpm 10 runs no dependency install scripts until you allow them (`pnpm approve-builds`, or list the package under onlyBuiltDependencies in pnpm-workspace.yaml); ' +
  'npm and yarn skip them with --ignore-scripts.';
