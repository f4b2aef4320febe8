// bun src/main.ts [--loop trainer] [--quick] ...: the seed recipe on Bun, on wasm.
import { createWasmAdapter } from '@descent/backend-wasm';
import { parseRecipeArgs, runRecipe } from '@descent-examples/node-wasm';

const options = parseRecipeArgs(process.argv.slice(2), { backend: 'wasm' });
// One thread: tfjs-wasm's threaded build starts in Bun, but its workers made this recipe about 5x slower
// (11 against 51 steps/s on a 2-core machine).
await runRecipe(options, options.backend === 'wasm' ? createWasmAdapter({ threads: 1 }) : options.backend);
