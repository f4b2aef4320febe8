// One run of the seed recipe: start the backend, say what runs, then the chosen loop.
import { createWasmAdapter } from '@descent/backend-wasm';
import type { BackendAdapter } from '@descent/core';
import { handWrittenLoop } from './hand-loop.ts';
import type { RecipeOptions } from './options.ts';
import { describeRecipe, startBackend } from './recipe.ts';
import { trainerFit } from './trainer-fit.ts';

/** `options.backend`, with wasm on `options.threads` threads when they are given. */
function chosenBackend(options: RecipeOptions): string | BackendAdapter {
  return options.backend === 'wasm' && options.threads > 0 ? createWasmAdapter({ threads: options.threads }) : options.backend;
}

/** `setUp` runs once the backend has started, before training (a runtime's workaround, say). */
export async function runRecipe(options: RecipeOptions, setUp?: (adapter: BackendAdapter) => void | Promise<void>): Promise<void> {
  const backend = chosenBackend(options);
  const adapter = await startBackend(backend);
  await setUp?.(adapter);
  console.log(describeRecipe(options));
  if (options.loop === 'hand') await handWrittenLoop(options);
  else await trainerFit(options);
}
