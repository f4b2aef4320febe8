// npm start [-- --loop trainer] [--scheduler-step batch] [--quick] ...: the seed recipe on wasm in Node.
import { parseRecipeArgs } from './options.ts';
import { runRecipe } from './run.ts';

await runRecipe(parseRecipeArgs(process.argv.slice(2), { backend: 'wasm' }));
