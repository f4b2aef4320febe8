// What `descent doctor` says about one backend adapter.

export type AdapterName = 'wasm' | 'webgpu' | 'cuda' | 'cpu';
export const ADAPTER_NAMES: readonly AdapterName[] = ['wasm', 'webgpu', 'cuda', 'cpu'];

export interface Missing {
  what: string;
  /** How to get it: a command, a setting, or the adapter's own error text (which names the fix). */
  fix: string;
}

export interface AdapterReport {
  name: AdapterName;
  /** `ok`: it started here (cuda: everything is there and, with libtensorflow, a GPU runs it). */
  status: 'ok' | 'unavailable';
  /** One line: what it runs on here. */
  summary: string;
  /** What was found, as label and value. */
  found: [string, string][];
  missing: Missing[];
}

/** The adapter's own error message, as one missing item: Descent's errors name the fix. */
export function fromError(what: string, err: unknown): Missing {
  const message = (err as Error)?.message ?? String(err);
  return { what, fix: message };
}
