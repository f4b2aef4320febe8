import { DescentError } from '@descent/core';
import { importNode, isNode } from '../wasm-paths.js';

// Starts a worker from source text, in Node (worker_threads, eval'd) or in a
// browser (a Blob URL), hands it its data and resolves once it posts 'ready'.
// `body` defines `run(data, post)`; the prelude of each runtime calls it.

/** A started worker, whatever the runtime. */
export interface PoolWorker {
  terminate(): unknown;
}

// An async function with a dynamic import: the same text runs whether Node
// treats eval'd worker code as CommonJS or (under --input-type=module) as ESM.
const NODE_PRELUDE = `
(async () => {
  const { parentPort, workerData } = await import('node:worker_threads');
  run(workerData, (m) => parentPort.postMessage(m));
})();
`;

const BROWSER_PRELUDE = `
self.onmessage = (e) => {
  self.onmessage = null;
  run(e.data, (m) => self.postMessage(m));
};
`;

interface NodeWorker extends PoolWorker {
  once(event: string, listener: (value: unknown) => void): void;
  unref(): void;
}

function exitedEarly(code: unknown): DescentError {
  return new DescentError(`optimizer kernel worker exited with code ${String(code)} before it started`);
}

export async function startWorker(body: string, data: Record<string, unknown>): Promise<PoolWorker> {
  if (isNode()) {
    const { Worker } = await importNode('node:worker_threads');
    const worker: NodeWorker = new Worker(body + NODE_PRELUDE, { eval: true, workerData: data });
    worker.unref(); // a waiting worker must not keep Node alive
    await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(exitedEarly(code)));
    }).catch(async (err) => {
      await worker.terminate();
      throw err;
    });
    return worker;
  }
  const url = URL.createObjectURL(new Blob([body + BROWSER_PRELUDE], { type: 'text/javascript' }));
  try {
    const worker = new Worker(url);
    await new Promise<void>((resolve, reject) => {
      worker.onmessage = () => resolve();
      worker.onerror = (e) => reject(new DescentError(`optimizer kernel worker failed to start: ${e.message}`));
      worker.postMessage(data);
    }).catch((err) => {
      worker.terminate();
      throw err;
    });
    worker.onmessage = null;
    worker.onerror = null;
    return worker;
  } finally {
    URL.revokeObjectURL(url);
  }
}
