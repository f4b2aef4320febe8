// The seed recipe for the other runtimes' examples (WebGPU in Node, Deno, Bun).
export { parseRecipeArgs, type RecipeOptions } from './options.ts';
export { buildRecipe, describeRecipe, mnistLoaders, startBackend } from './recipe.ts';
export { handWrittenLoop } from './hand-loop.ts';
export { trainerFit } from './trainer-fit.ts';
export { runRecipe } from './run.ts';
