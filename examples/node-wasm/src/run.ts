// One run of the seed recipe: start the backend, say what runs, then the chosen loop.
import type { BackendAdapter } from '@descent/core';
import { handWrittenLoop } from './hand-loop.ts';
import type { RecipeOptions } from './options.ts';
import { describeRecipe, startBackend } from './recipe.ts';
import { trainerFit } from './trainer-fit.ts';

/**
 * `backend` overrides `options.backend` with an adapter of the runtime's own (Deno's single-threaded wasm, say);
 * `setUp` runs once the backend has started, before training (a runtime's workaround, say).
 */
export async function runRecipe(
  options: RecipeOptions,
  backend: string | BackendAdapter = options.backend,
  setUp?: (adapter: BackendAdapter) => void | Promise<void>,
): Promise<void> {
  const adapter = await startBackend(backend);
  await setUp?.(adapter);
  console.log(describeRecipe(options));
  if (options.loop === 'hand') await handWrittenLoop(options);
  else await trainerFit(options);
}
