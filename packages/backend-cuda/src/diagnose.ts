// Says why the `tensorflow` backend is not on a GPU, or would not be, from what
// can be read without loading libtensorflow in this process: the package's
// files, the CUDA libraries on the loader's path, the driver, and (optionally)
// libtensorflow's own startup log from a child process.
import { describeMissing, findCudaLibraries, type CudaLibraryReport, type LibrarySearchOptions } from './cuda-libs.js';
import { CudaBackendError } from './errors.js';
import { probeDriver, type DriverProbeOptions, type DriverReport } from './gpu-info.js';
import { addonMissingError, classifyLoadError } from './load-error.js';
import { probeTensorflow, type ProbeOptions, type ProbeResult } from './probe.js';
import { findTfjsPackage, resolutionBases, type TfjsPackageInfo } from './resolve.js';
import {
  CUDA_INSTALL_HINT,
  CUDA_VERSION,
  CUDNN_VERSION,
  INSTALL_CPU_PACKAGE,
  INSTALL_GPU_PACKAGE,
  INSTALL_SCRIPT_HINT,
  LIBTENSORFLOW_VERSION,
  MIN_DRIVER_VERSION,
  PACKAGE_NAMES,
  TFJS_NODE_VERSION,
  type TfjsPackage,
} from './versions.js';

const OTHER_WAYS = "Or run TensorFlow on the CPU on purpose (createCudaAdapter({ requireGpu: false }), or { package: 'tfjs-node' }), or use the GPU through Vulkan with useBackend('webgpu').";

/** The package cannot be resolved from `bases`; mentions the other build when that one is there. */
export function packageMissingError(which: TfjsPackage, bases: readonly string[], other?: TfjsPackageInfo): CudaBackendError {
  const name = PACKAGE_NAMES[which];
  const install = which === 'tfjs-node-gpu' ? INSTALL_GPU_PACKAGE : INSTALL_CPU_PACKAGE;
  let msg =
    `@descent/backend-cuda runs on ${name} ${TFJS_NODE_VERSION}, which was not found (looked from ${bases.join(', ')}). ` +
    `Install it: \`${install}\`${which === 'tfjs-node-gpu' ? ` (libtensorflow ${LIBTENSORFLOW_VERSION} for CUDA ${CUDA_VERSION} and cuDNN ${CUDNN_VERSION}, linux-x64)` : ''}. ${INSTALL_SCRIPT_HINT}`;
  if (other && which === 'tfjs-node-gpu') {
    msg += ` ${other.name} ${other.version} (the CPU build) is installed at ${other.dir}: it cannot use a GPU; to run on the CPU with it, pass createCudaAdapter({ package: 'tfjs-node' }).`;
  }
  return new CudaBackendError('package-missing', msg);
}

export function packageVersionError(pkg: TfjsPackageInfo): CudaBackendError {
  return new CudaBackendError(
    'package-version',
    `${pkg.name} ${pkg.version} is installed at ${pkg.dir}; @descent/backend-cuda needs ${TFJS_NODE_VERSION} (the version of its @tensorflow/tfjs-core peer, ` +
      `libtensorflow ${LIBTENSORFLOW_VERSION}): \`npm install ${pkg.name}@${TFJS_NODE_VERSION}\`.`,
  );
}

/** The problems the package's files show before anything is loaded, most basic first. */
export function packageProblems(pkg: TfjsPackageInfo): CudaBackendError[] {
  if (pkg.version !== TFJS_NODE_VERSION) return [packageVersionError(pkg)];
  // A missing addon means the install script never ran: deps/lib is then missing for the same reason.
  if (!pkg.addonExists) return [addonMissingError(pkg)];
  const problems: CudaBackendError[] = [];
  if (process.platform === 'linux' && !pkg.libFiles.some((f) => f.startsWith('libtensorflow.so'))) {
    const have = pkg.libFiles.length ? `it holds ${pkg.libFiles.join(', ')}` : 'it does not exist';
    problems.push(
      new CudaBackendError(
        'libtensorflow-missing',
        `${pkg.name}'s libtensorflow ${LIBTENSORFLOW_VERSION} is missing from ${pkg.libDir} (${have}): its install script did not download it. ` +
          `${INSTALL_SCRIPT_HINT} Then run \`npm rebuild ${pkg.name}\`.`,
      ),
    );
  }
  return problems;
}

/** What the driver side lacks, if anything. */
export function driverProblem(libs: CudaLibraryReport, driver: DriverReport): CudaBackendError | undefined {
  if (!libs.driverLibrary) {
    return new CudaBackendError(
      'no-gpu',
      `The NVIDIA driver's libcuda.so.1 was not found by the loader: install an NVIDIA driver >= ${MIN_DRIVER_VERSION} (in a container: run it with the GPU passed through, e.g. \`docker run --gpus all\`).`,
    );
  }
  if (driver.driverVersion && compareVersions(driver.driverVersion, MIN_DRIVER_VERSION) < 0) {
    return new CudaBackendError('no-gpu', `The NVIDIA driver is ${driver.driverVersion}; CUDA ${CUDA_VERSION} needs ${MIN_DRIVER_VERSION} or newer: update the driver.`);
  }
  if (driver.gpus.length === 0 && driver.nvidiaSmiError === undefined) return new CudaBackendError('no-gpu', 'nvidia-smi lists no GPU: check CUDA_VISIBLE_DEVICES and that the GPU is passed through to this machine or container.');
  return undefined;
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

function cuInitHint(error: string): string {
  if (/NO_DEVICE|\b100\b/.test(error)) return 'no CUDA GPU is visible to this process (check CUDA_VISIBLE_DEVICES, and that the container gets the GPU)';
  if (/INSUFFICIENT_DRIVER|\b35\b/.test(error)) return `the driver is too old for CUDA ${CUDA_VERSION} (needs >= ${MIN_DRIVER_VERSION})`;
  if (/UNKNOWN ERROR \(303\)|\b999\b|UNKNOWN/.test(error)) return 'the driver failed to initialize: the user-space driver and the kernel module may differ in version (nvidia-smi says so), or the device files /dev/nvidia* are not accessible';
  if (/COMPAT_NOT_SUPPORTED|\b804\b/.test(error)) return 'a CUDA forward-compatibility package does not support this GPU: remove it from LD_LIBRARY_PATH';
  return 'see nvidia-smi';
}

/**
 * Why TensorFlow runs on the CPU although a GPU was wanted, from the probe's log
 * (preferred: it is TensorFlow's own account), the library scan and the driver.
 */
export function explainNoGpu(pkg: TfjsPackageInfo, libs: CudaLibraryReport, driver: DriverReport, probe?: ProbeResult): CudaBackendError {
  const head = `${pkg.name} started TensorFlow (libtensorflow ${probe?.tfVersion ?? LIBTENSORFLOW_VERSION}) on the CPU, not a GPU:`;
  const log = probe?.log;
  if (probe?.ok && probe.gpuPackage === false) {
    return new CudaBackendError('cpu-build', `${head} the tensorflow backend in this process is @tensorflow/tfjs-node, the CPU build. \`${INSTALL_GPU_PACKAGE}\` and load only that one.`);
  }
  if (log?.failedLibraries.length) {
    const failed = log.failedLibraries.map((f) => `${f.file} (${f.dlerror})`).join(', ');
    const scan = describeMissing(libs.missing.filter((l) => log.failedLibraries.some((f) => f.file === l.file)));
    return new CudaBackendError(
      'cuda-libraries',
      `${head} it needs CUDA ${CUDA_VERSION} and cuDNN ${CUDNN_VERSION}, and could not open ${failed}.${scan ? ` ${scan}.` : ''} ${CUDA_INSTALL_HINT} ${OTHER_WAYS}`,
    );
  }
  if (libs.missing.length) {
    return new CudaBackendError('cuda-libraries', `${head} it needs CUDA ${CUDA_VERSION} and cuDNN ${CUDNN_VERSION}: ${describeMissing(libs.missing)}. ${CUDA_INSTALL_HINT} ${OTHER_WAYS}`);
  }
  const drv = driverProblem(libs, driver);
  if (drv) return new CudaBackendError(drv.code, `${head} ${drv.message} ${OTHER_WAYS}`);
  if (log?.cuInitError) return new CudaBackendError('no-gpu', `${head} cuInit failed (${log.cuInitError}): ${cuInitHint(log.cuInitError)}. ${OTHER_WAYS}`);
  if (log?.ignoredDevices.length) {
    const d = log.ignoredDevices[0]!;
    return new CudaBackendError('no-gpu', `${head} it ignored the GPU (${d.description}): compute capability ${d.computeCapability} is below the ${d.minimum} libtensorflow ${LIBTENSORFLOW_VERSION} needs. ${OTHER_WAYS}`);
  }
  if (probe?.ok && log && !log.mentionsCuda) {
    return new CudaBackendError(
      'cpu-build',
      `${head} the libtensorflow in ${pkg.libDir} is a CPU build (it never tried to open CUDA): reinstall the GPU build with \`npm rebuild ${pkg.name}\` ` +
        `(its install script runs \`node scripts/install.js gpu download\`; check that scripts/custom-binary.json, if any, names a GPU build). ${OTHER_WAYS}`,
    );
  }
  const lines = (probe?.stderr ?? '').split('\n').filter((l) => /^\S+ \S+: [WEF] /.test(l) || /\] (W|E)/.test(l)).slice(0, 8);
  const why = probe && !probe.ok ? ` (the probe failed: ${probe.error})` : '';
  return new CudaBackendError('no-gpu', `${head} TensorFlow found no usable GPU${why}.${lines.length ? ` Its log: ${lines.join(' | ')}` : ''} ${OTHER_WAYS}`);
}

/** Options of {@link diagnoseCuda}. */
export interface CudaDiagnosisOptions {
  /** Which build to look for. Default `'tfjs-node-gpu'`. */
  package?: TfjsPackage;
  /** Where the app resolves packages from (folders or files). Default: the entry script, the working folder, this package. */
  resolveFrom?: string | readonly string[];
  /** Also load the package in a child process and read libtensorflow's startup log. Default false. */
  probe?: boolean;
  probeOptions?: ProbeOptions;
  libraries?: LibrarySearchOptions;
  driver?: DriverProbeOptions;
}

/**
 * What {@link diagnoseCuda} found: the package, the libraries, the driver, the probe, and every problem with its fix.
 */
export interface CudaDiagnosis {
  package: TfjsPackage;
  packageName: string;
  /** The package as installed, if it was found. */
  installed?: TfjsPackageInfo;
  /** The other build (tfjs-node when looking for tfjs-node-gpu, and the reverse), if installed. */
  otherBuild?: TfjsPackageInfo;
  libraries: CudaLibraryReport;
  driver: DriverReport;
  probe?: ProbeResult;
  /** Everything found missing, each with its fix; empty when nothing is. */
  problems: CudaBackendError[];
  /** Whether TensorFlow would run (on a GPU, for tfjs-node-gpu). Unprobed: only that nothing is missing. */
  ok: boolean;
}

/** A full check of the CUDA setup, for `descent doctor` and for people: nothing is loaded in this process. */
export function diagnoseCuda(options: CudaDiagnosisOptions = {}): CudaDiagnosis {
  const which = options.package ?? 'tfjs-node-gpu';
  const bases = resolutionBases(options.resolveFrom);
  const installed = findTfjsPackage(PACKAGE_NAMES[which], bases);
  const otherBuild = findTfjsPackage(PACKAGE_NAMES[which === 'tfjs-node-gpu' ? 'tfjs-node' : 'tfjs-node-gpu'], bases);
  const libraries = findCudaLibraries(options.libraries);
  const driver = probeDriver(options.driver);
  const gpu = which === 'tfjs-node-gpu';
  const problems: CudaBackendError[] = [];
  if (!installed) problems.push(packageMissingError(which, bases, otherBuild));
  else problems.push(...packageProblems(installed));
  if (gpu) {
    if (libraries.missing.length) {
      problems.push(new CudaBackendError('cuda-libraries', `libtensorflow ${LIBTENSORFLOW_VERSION} (GPU) needs CUDA ${CUDA_VERSION} and cuDNN ${CUDNN_VERSION}: ${describeMissing(libraries.missing)}. ${CUDA_INSTALL_HINT}`));
    }
    const drv = driverProblem(libraries, driver);
    if (drv) problems.push(drv);
  }
  let probe: ProbeResult | undefined;
  // The probe runs the real loader: worth it once the addon is there (it then names what fails to load).
  if (options.probe && installed && installed.version === TFJS_NODE_VERSION && installed.addonExists) {
    probe = probeTensorflow(installed, options.probeOptions);
    if (!probe.ok) {
      const err = Object.assign(new Error(probe.error ?? 'unknown'), probe.errorCode ? { code: probe.errorCode } : {});
      problems.unshift(classifyLoadError(err, installed, options.libraries));
    } else if (gpu && !probe.usingGpu && !problems.some((p) => p.code === 'cuda-libraries')) {
      problems.push(explainNoGpu(installed, libraries, driver, probe));
    }
  }
  const ok = problems.length === 0 && (!probe || (probe.ok && (!gpu || probe.usingGpu === true)));
  return { package: which, packageName: PACKAGE_NAMES[which], ...(installed ? { installed } : {}), ...(otherBuild ? { otherBuild } : {}), libraries, driver, ...(probe ? { probe } : {}), problems, ok };
}
