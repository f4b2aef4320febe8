// bun src/main.ts [--loop trainer] [--quick] ...: the seed recipe on Bun, on wasm.
import { parseRecipeArgs, runRecipe } from '@descent-examples/node-wasm';

// wasm on one thread: tfjs-wasm's threaded build starts in Bun, but its workers made this recipe about 5x
// slower (11 against 51 steps/s on a 2-core machine); --threads 2 to try them.
await runRecipe(parseRecipeArgs(process.argv.slice(2), { backend: 'wasm' }));
