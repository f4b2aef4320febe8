// One checkpoint slot in the browser's IndexedDB. A checkpoint is written in
// a single readwrite transaction, so a crash or a closed tab leaves either the
// old checkpoint or the new one, never half of each.
import type { GeneratorState } from '@descent/core';
import type { DataLoaderState } from '@descent/data';
import type { RunConfig } from './config.js';
import type { History } from './history.js';

export const CHECKPOINT_FORMAT = 'descent-browser-checkpoint';
export const CHECKPOINT_VERSION = 1;

export interface BrowserCheckpoint {
  format: typeof CHECKPOINT_FORMAT;
  version: typeof CHECKPOINT_VERSION;
  savedAt: number;
  /** The backend that trained it (a checkpoint restores on any backend). */
  backend: string;
  config: RunConfig;
  /** Optimizer steps done. */
  step: number;
  /** Epochs completed, and batches drawn in the current one. */
  epoch: number;
  batchInEpoch: number;
  /** The training loader's state at the start of the current epoch (replayed, then `batchInEpoch` batches skipped). */
  loaderState: DataLoaderState;
  /** @descent/core's default generator. */
  rng: GeneratorState;
  /** The train losses summed since the last logged step, and their count. */
  lossWindow: { sum: number; count: number };
  /** `moduleToSafetensors(model)`: torch's names and layouts. */
  model: Uint8Array;
  /** `stateDictToBinary(optimizer.stateDict())`. */
  optimizer: Uint8Array;
  scheduler: Record<string, unknown>;
  scaler: Record<string, unknown> | null;
  history: History;
}

export interface CheckpointSummary {
  step: number;
  steps: number;
  savedAt: number;
  bytes: number;
  backend: string;
}

const DB_NAME = 'descent-browser-webgpu';
const STORE = 'checkpoints';
const KEY = 'latest';

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(new Error(`IndexedDB: cannot open ${DB_NAME}: ${request.error?.message ?? 'unknown error'}`));
    request.onblocked = () => reject(new Error(`IndexedDB: ${DB_NAME} is blocked by another tab`));
  });
}

async function withStore<T>(mode: IDBTransactionMode, use: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await openDb();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = use(tx.objectStore(STORE));
      // Resolve on the transaction's completion: only then is a write durable.
      tx.oncomplete = () => resolve(request.result as T);
      tx.onerror = () => reject(new Error(`IndexedDB: ${tx.error?.message ?? request.error?.message ?? 'transaction failed'}`));
      tx.onabort = () => reject(new Error(`IndexedDB: transaction aborted (${tx.error?.message ?? 'quota exceeded?'})`));
    });
  } finally {
    db.close();
  }
}

export function checkpointBytes(c: BrowserCheckpoint): number {
  return c.model.byteLength + c.optimizer.byteLength;
}

export function summarize(c: BrowserCheckpoint): CheckpointSummary {
  return { step: c.step, steps: c.config.steps, savedAt: c.savedAt, bytes: checkpointBytes(c), backend: c.backend };
}

export async function saveCheckpoint(checkpoint: BrowserCheckpoint): Promise<void> {
  await withStore('readwrite', (store) => store.put(checkpoint, KEY));
}

/** The stored checkpoint, or null; throws if what is stored is not one this page wrote. */
export async function loadCheckpoint(): Promise<BrowserCheckpoint | null> {
  const found = await withStore<unknown>('readonly', (store) => store.get(KEY));
  if (found === undefined) return null;
  const c = found as Partial<BrowserCheckpoint>;
  if (c.format !== CHECKPOINT_FORMAT) throw new Error(`The stored checkpoint is not a ${CHECKPOINT_FORMAT} (format ${JSON.stringify(c.format)})`);
  if (c.version !== CHECKPOINT_VERSION) throw new Error(`The stored checkpoint has version ${JSON.stringify(c.version)}; this page reads version ${CHECKPOINT_VERSION}`);
  if (typeof c.lossWindow?.sum !== 'number' || !Number.isInteger(c.lossWindow.count)) throw new Error('The stored checkpoint has no lossWindow');
  if (!(c.model instanceof Uint8Array) || !(c.optimizer instanceof Uint8Array)) throw new Error('The stored checkpoint has no model or optimizer bytes');
  return c as BrowserCheckpoint;
}

export async function deleteCheckpoint(): Promise<void> {
  await withStore('readwrite', (store) => store.delete(KEY));
}
