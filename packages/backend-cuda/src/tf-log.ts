// Reads libtensorflow's own startup log (its stderr). TensorFlow 2.9 opens the
// CUDA libraries with dlopen when it starts; one that fails is a warning, not an
// error, and TensorFlow then quietly runs on the CPU. These lines are the only
// place that says which library failed and why, and, on success, which GPU it
// took with how much memory.

/** A GPU TensorFlow created a device on, from its startup log. */
export interface TfDevice {
  /** TensorFlow's device index (`GPU:0`). */
  index: number;
  name: string;
  /** The memory TensorFlow took for it, in MB. */
  memoryMB: number;
  pciBusId: string;
  computeCapability: string;
}

/**
 * What libtensorflow's startup log says: libraries that failed to load, cuInit's error, ignored GPUs, devices created.
 */
export interface TfStartupLog {
  /** `Could not load dynamic library 'X'; dlerror: Y`. */
  failedLibraries: { file: string; dlerror: string }[];
  /** `failed call to cuInit: ...` (no device, driver mismatch, …). */
  cuInitError?: string;
  /** `Ignoring visible gpu device (...) with Cuda compute capability X. The minimum required Cuda capability is Y.` */
  ignoredDevices: { description: string; computeCapability: string; minimum: string }[];
  /** `Created device .../device:GPU:0 with N MB memory: -> device: 0, name: ..., compute capability: X`. */
  devices: TfDevice[];
  /** Whether TensorFlow said anything about CUDA at all: a CPU build says nothing. */
  mentionsCuda: boolean;
}

/** Parses libtensorflow's startup log (stderr with `TF_CPP_MIN_LOG_LEVEL=0`). */
export function parseTfLog(text: string): TfStartupLog {
  const failedLibraries: TfStartupLog['failedLibraries'] = [];
  for (const m of text.matchAll(/Could not load dynamic library '([^']+)'; dlerror: ([^\n;]+)/g)) {
    if (!failedLibraries.some((f) => f.file === m[1])) failedLibraries.push({ file: m[1]!, dlerror: m[2]!.trim() });
  }
  const cuInitError = /failed call to cuInit: ([^\n]+)/.exec(text)?.[1]?.trim();
  const ignoredDevices = [...text.matchAll(/Ignoring visible gpu device \(([^)]*)\) with Cuda compute capability (\d+(?:\.\d+)?)\. The minimum required Cuda capability is (\d+(?:\.\d+)?)/g)].map(
    (m) => ({ description: m[1]!, computeCapability: m[2]!, minimum: m[3]! }),
  );
  const devices = [
    ...text.matchAll(/device:GPU:(\d+) with (\d+) MB memory:?\s*->\s*device: \d+, name: ([^,]+), pci bus id: ([^,]+), compute capability: (\d+(?:\.\d+)?)/g),
  ].map((m) => ({ index: Number(m[1]), memoryMB: Number(m[2]), name: m[3]!.trim(), pciBusId: m[4]!.trim(), computeCapability: m[5]! }));
  const mentionsCuda = /stream_executor\/cuda|gpu_device\.cc|cudart|libcuda\.so|cuInit|CUDA/.test(text);
  return { failedLibraries, ...(cuInitError ? { cuInitError } : {}), ignoredDevices, devices, mentionsCuda };
}
