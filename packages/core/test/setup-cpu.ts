import { useBackend } from '../src/index.js';

export async function cpu(): Promise<void> {
  await useBackend('cpu');
}
