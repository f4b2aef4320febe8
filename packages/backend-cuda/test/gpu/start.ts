// Every GPU test file starts the adapter this way: tfjs-node-gpu on a GPU, or a
// failure that says what is missing (never a skip).
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@descent/core';
import { cudaAdapter } from '@descent/backend-cuda';

export async function startCuda() {
  const adapter = await useBackend(cudaAdapter);
  if (tf.getBackend() !== 'tensorflow' || adapter.capabilities.info.device !== 'GPU') {
    throw new Error(`expected the tensorflow backend on a GPU, got ${tf.getBackend()} ${JSON.stringify(adapter.capabilities.info)}`);
  }
  // cpu is the reference some tests compare with.
  await import('@tensorflow/tfjs-backend-cpu');
  return adapter;
}
