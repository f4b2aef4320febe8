// deno run -A src/main.ts [--backend webgpu] [--loop trainer] [--quick] ...: the seed recipe on Deno 2.
import { parseRecipeArgs, runRecipe } from '@descent-examples/node-wasm';

// wasm on one thread, the adapter's default in Deno: tfjs-wasm's threaded build cannot start its pthread
// workers here (their script assigns self.location, which Deno's worker global has only a getter for).
const options = parseRecipeArgs(process.argv.slice(2), { backend: 'wasm' });
await runRecipe(options, (adapter) => {
  // WebGPU is Deno's own navigator.gpu (wgpu). Its adapter offers shader-f16, but f16 there came out
  // unrounded (float16 runs went NaN): the webgpu adapter checks that at init and then emulates f16.
  if (adapter.name === 'webgpu' && adapter.capabilities.info.nativeF16) console.log(`note: native f16 ${adapter.capabilities.info.nativeF16}`);
});
