// What the NVIDIA driver says about the machine's GPUs: `nvidia-smi` and
// /proc/driver/nvidia/version. libtensorflow's binding exposes only whether it
// runs on a GPU, so names, memory and compute capability come from here, and
// only when they can be tied to the device TensorFlow uses.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** One GPU as nvidia-smi lists it. */
export interface GpuRecord {
  index: number;
  uuid: string;
  name: string;
  /** Total memory in MiB, as nvidia-smi reports it. */
  memoryMiB: number | null;
  /** `major.minor`, or null when this nvidia-smi has no `compute_cap` field. */
  computeCapability: string | null;
}

/** What {@link probeDriver} found: the driver's version and the GPUs, or why there is no list. */
export interface DriverReport {
  /** The kernel module's version (from /proc/driver/nvidia/version, else nvidia-smi). */
  driverVersion: string | null;
  /** GPUs nvidia-smi lists; empty when it is missing or finds none. */
  gpus: GpuRecord[];
  /** Why there is no list: nvidia-smi missing, or its error. */
  nvidiaSmiError?: string;
}

export interface DriverProbeOptions {
  /** Runs nvidia-smi with these arguments and returns its stdout (throws like execFileSync). */
  nvidiaSmi?: (args: string[]) => string;
  /** Reads /proc/driver/nvidia/version (throws when absent). */
  readProcVersion?: () => string;
}

const runNvidiaSmi = (args: string[]) => execFileSync('nvidia-smi', args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
const readProc = () => readFileSync('/proc/driver/nvidia/version', 'utf8');

const num = (s: string | undefined) => (s !== undefined && /^\d+(\.\d+)?$/.test(s.trim()) ? Number(s.trim()) : null);

/** Parses `--query-gpu=index,uuid,name,memory.total[,compute_cap],driver_version --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(csv: string, withComputeCap: boolean): { gpus: GpuRecord[]; driverVersion: string | null } {
  const gpus: GpuRecord[] = [];
  let driverVersion: string | null = null;
  for (const line of csv.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const f = line.split(',').map((s) => s.trim());
    const [index, uuid, name, memory] = f;
    const cc = withComputeCap ? f[4] : undefined;
    driverVersion ??= f[withComputeCap ? 5 : 4] ?? null;
    gpus.push({
      index: Number(index),
      uuid: uuid ?? '',
      name: name ?? 'unknown',
      memoryMiB: num(memory),
      computeCapability: cc && /^\d+\.\d+$/.test(cc) ? cc : null,
    });
  }
  return { gpus, driverVersion };
}

/** Reads the NVIDIA driver's version and GPUs (`/proc/driver/nvidia/version`, `nvidia-smi`); never throws. */
export function probeDriver(options: DriverProbeOptions = {}): DriverReport {
  const smi = options.nvidiaSmi ?? runNvidiaSmi;
  let driverVersion: string | null = null;
  try {
    driverVersion = /Kernel Module\s+(\d+\.\d+(?:\.\d+)?)/.exec((options.readProcVersion ?? readProc)())?.[1] ?? null;
  } catch {
    // No NVIDIA kernel module loaded (or not Linux).
  }
  const fields = 'index,uuid,name,memory.total';
  for (const withCc of [true, false]) {
    try {
      const csv = smi([`--query-gpu=${fields}${withCc ? ',compute_cap' : ''},driver_version`, '--format=csv,noheader,nounits']);
      const parsed = parseNvidiaSmi(csv, withCc);
      return { driverVersion: driverVersion ?? parsed.driverVersion, gpus: parsed.gpus };
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
      if (e.code === 'ENOENT') return { driverVersion, gpus: [], nvidiaSmiError: 'nvidia-smi is not on the PATH (it comes with the NVIDIA driver)' };
      const text = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim() || e.message;
      // Drivers older than ~510 have no compute_cap field: ask again without it.
      if (withCc && /compute_cap|not a valid field/i.test(text)) continue;
      return { driverVersion, gpus: [], nvidiaSmiError: `nvidia-smi failed: ${text.split('\n')[0]}` };
    }
  }
  return { driverVersion, gpus: [] };
}

/**
 * The GPU TensorFlow's `GPU:0` is, when that can be known: the one GPU nvidia-smi
 * lists, or the one `CUDA_VISIBLE_DEVICES` names by UUID (or by index, when the
 * order is PCI bus order, as nvidia-smi's). Undefined otherwise: CUDA's default
 * order (fastest first) need not be nvidia-smi's.
 */
export function deviceZero(gpus: readonly GpuRecord[], env: NodeJS.ProcessEnv = process.env): GpuRecord | undefined {
  const visible = env.CUDA_VISIBLE_DEVICES?.split(',')[0]?.trim();
  if (visible !== undefined && visible !== '') {
    if (/^(GPU|MIG)-/.test(visible)) return gpus.find((g) => g.uuid === visible || g.uuid.startsWith(visible));
    if (/^\d+$/.test(visible) && (gpus.length === 1 || env.CUDA_DEVICE_ORDER === 'PCI_BUS_ID')) return gpus.find((g) => g.index === Number(visible));
    return undefined;
  }
  if (gpus.length === 1) return gpus[0];
  if (env.CUDA_DEVICE_ORDER === 'PCI_BUS_ID') return gpus.find((g) => g.index === 0);
  return undefined;
}
