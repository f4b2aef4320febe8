// Turns what Node or tfjs-node throws while loading into an error that says
// what is missing and how to get it. The texts matched are the real ones:
// dlopen's (`…: cannot open shared object file`, `invalid ELF header`),
// Node's (`Cannot find module`), and tfjs-node 4.22's own (dist/index.js).
import { describeMissing, findCudaLibraries, type LibrarySearchOptions } from './cuda-libs.js';
import { CudaBackendError } from './errors.js';
import type { TfjsPackageInfo } from './resolve.js';
import { CUDA_INSTALL_HINT, CUDA_LIBRARIES, CUDA_VERSION, CUDNN_VERSION, INSTALL_SCRIPT_HINT, LIBTENSORFLOW_VERSION, TFJS_NODE_VERSION } from './versions.js';

const reinstall = (pkg: TfjsPackageInfo) => `rm -rf ${pkg.dir} && npm install ${pkg.name}@${TFJS_NODE_VERSION}`;

/** The addon file node-pre-gyp would load is not there. */
export function addonMissingError(pkg: TfjsPackageInfo): CudaBackendError {
  const napi = pkg.napiBuildVersion === null ? ` (none of its N-API builds fits this Node's N-API ${process.versions.napi})` : '';
  return new CudaBackendError(
    'addon-missing',
    `${pkg.name} ${pkg.version} is installed at ${pkg.dir}, but its native addon ${pkg.addonPath} is missing${napi}: its install script did not run or failed. ` +
      `${INSTALL_SCRIPT_HINT} Then run \`npm rebuild ${pkg.name}\` (or \`${reinstall(pkg)}\`).`,
  );
}

/** Classifies an error thrown by `require(tfjs-node)`. */
export function classifyLoadError(err: unknown, pkg: TfjsPackageInfo, search: LibrarySearchOptions = {}): CudaBackendError {
  const e = err as NodeJS.ErrnoException & { requireStack?: string[] };
  const msg = String(e?.message ?? err);
  const first = msg.split('\n')[0]!;
  const cause = { cause: err };

  if (/native addon module \(tfjs_binding\.node\) can not be found/.test(msg)) return addonMissingError(pkg);

  const notFound = /Cannot find module '([^']+)'/.exec(msg);
  if (notFound && e.code === 'MODULE_NOT_FOUND') {
    return new CudaBackendError(
      'package-dependency',
      `${pkg.name} at ${pkg.dir} cannot load: the module ${notFound[1]} it requires is missing (${first}). ` +
        `Its dependencies (@tensorflow/tfjs ${TFJS_NODE_VERSION}, @mapbox/node-pre-gyp, …) are incomplete: reinstall it (\`${reinstall(pkg)}\`).`,
      cause,
    );
  }

  if (/invalid ELF header|file too short|wrong ELF class|not a dynamic executable|Exec format error|ELF load command/.test(msg)) {
    return new CudaBackendError(
      'addon-invalid',
      `${pkg.name}'s native addon ${pkg.addonPath} is not a loadable library for ${process.platform}-${process.arch} (${first}): ` +
        `the download was cut short, or it was built for another platform (prebuilt addons exist for linux-x64; the GPU build only for linux-x64 and win32-x64). ` +
        `Reinstall it (\`${reinstall(pkg)}\`). ${INSTALL_SCRIPT_HINT}`,
      cause,
    );
  }

  const glibc = /version [`']?(GLIBC(?:XX)?_[\d.]+)'? not found/.exec(msg);
  if (glibc) {
    return new CudaBackendError(
      'system-too-old',
      `libtensorflow ${LIBTENSORFLOW_VERSION} needs a newer C/C++ runtime than this system has: ${glibc[1]} was not found (${first}). ` +
        'Run it on a newer distribution (or in a newer container image): the system\'s glibc and libstdc++ must be at least as new as those it was built with.',
      cause,
    );
  }

  const missingLib = /([\w.+-]+\.so[\w.]*): cannot open shared object file/.exec(msg)?.[1];
  if (missingLib && /^libtensorflow/.test(missingLib)) {
    const have = pkg.libFiles.length ? `deps/lib holds ${pkg.libFiles.join(', ')}` : `${pkg.libDir} does not exist`;
    return new CudaBackendError(
      'libtensorflow-missing',
      `${pkg.name}'s addon loads libtensorflow ${LIBTENSORFLOW_VERSION} from ${pkg.libDir}, but ${missingLib} is not there (${have}): ` +
        `its install script did not download it. ${INSTALL_SCRIPT_HINT} Then run \`npm rebuild ${pkg.name}\`.`,
      cause,
    );
  }
  if (missingLib && (/^libcu|^libcudnn|^libnv/.test(missingLib) || CUDA_LIBRARIES.some((l) => l.file === missingLib))) {
    const scan = findCudaLibraries(search);
    const missing = describeMissing(scan.missing);
    return new CudaBackendError(
      'cuda-libraries',
      `libtensorflow ${LIBTENSORFLOW_VERSION} (GPU) needs CUDA ${CUDA_VERSION} and cuDNN ${CUDNN_VERSION}; loading failed: ${first}. ` +
        `${missing ? `${missing}. ` : ''}${CUDA_INSTALL_HINT}`,
      cause,
    );
  }
  if (/undefined symbol/.test(msg)) {
    return new CudaBackendError(
      'load-failed',
      `${pkg.name}'s addon found a libtensorflow that is not the ${LIBTENSORFLOW_VERSION} it was built for (${first}): ` +
        `check that LD_LIBRARY_PATH does not put another libtensorflow ahead of ${pkg.libDir}.`,
      cause,
    );
  }
  return new CudaBackendError('load-failed', `${pkg.name} ${pkg.version} at ${pkg.dir} failed to load: ${first}`, cause);
}
