// Loads tfjs-node(-gpu) in a child process with TensorFlow's logging on, to read
// what libtensorflow says while it starts: which CUDA library failed to open
// and why, whether cuInit failed, or which GPU it took. In-process that text
// goes to this process's stderr, out of reach; and a child that crashes in
// native code (a broken driver) takes only itself down.
import { spawnSync } from 'node:child_process';
import type { TfjsPackageInfo } from './resolve.js';
import { parseTfLog, type TfStartupLog } from './tf-log.js';

/** What {@link probeTensorflow}'s child process found. */
export interface ProbeResult {
  /** The child loaded the package and started the `tensorflow` backend. */
  ok: boolean;
  /** What the binding reported: running on a GPU. */
  usingGpu?: boolean;
  /** The backend came from @tensorflow/tfjs-node-gpu. */
  gpuPackage?: boolean;
  /** `binding.TF_Version`, libtensorflow's own version. */
  tfVersion?: string;
  /** The error the child's require threw. */
  error?: string;
  errorCode?: string;
  timedOut: boolean;
  /** TensorFlow's startup log, parsed. */
  log: TfStartupLog;
  /** The child's stderr (TensorFlow's log lines among them). */
  stderr: string;
}

const MARK = '@@descent-cuda-probe@@';

const CHILD = `
let out;
try {
  const t = require(process.env.DESCENT_PROBE_ENTRY);
  const b = t.backend();
  out = { ok: t.getBackend() === 'tensorflow', usingGpu: !!b.isUsingGpuDevice, gpuPackage: !!b.isGPUPackage, tfVersion: String(b.binding && b.binding.TF_Version) };
} catch (e) {
  out = { ok: false, error: String((e && e.message) || e), errorCode: e && e.code };
}
process.stdout.write('\\n${MARK}' + JSON.stringify(out) + '\\n');
process.exit(0);
`;

/** Options of {@link probeTensorflow}. */
export interface ProbeOptions {
  /** Default 180 s: on a GPU newer than libtensorflow's build, the driver compiles its PTX at the first start. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * Loads the package in a child process (libtensorflow never loads into this one) and reports whether TensorFlow started, on a GPU or not, with its parsed startup log.
 */
export function probeTensorflow(pkg: TfjsPackageInfo, options: ProbeOptions = {}): ProbeResult {
  const r = spawnSync(process.execPath, ['-e', CHILD], {
    cwd: pkg.dir,
    env: { ...(options.env ?? process.env), DESCENT_PROBE_ENTRY: pkg.entry, TF_CPP_MIN_LOG_LEVEL: '0' },
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 180_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const stderr = r.stderr ?? '';
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith(MARK));
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  let parsed: Partial<ProbeResult> = { ok: false };
  if (line) parsed = JSON.parse(line.slice(MARK.length)) as Partial<ProbeResult>;
  else parsed.error = timedOut ? 'timed out' : `the probe process ended with ${r.signal ?? `status ${r.status}`} before it reported (a crash in native code?)`;
  return { ok: false, ...parsed, timedOut, log: parseTfLog(stderr), stderr };
}
