// deno run -A src/main.ts [--backend webgpu] [--loop trainer] [--quick] ...: the seed recipe on Deno 2.
import { registerWebGPUAmpKernels } from '@descent/backend-webgpu';
import { parseRecipeArgs, runRecipe } from '@descent-examples/node-wasm';

// wasm on one thread: tfjs-wasm's threaded build cannot start its pthread workers in Deno (their script
// assigns self.location, which Deno's worker global has only a getter for).
const options = parseRecipeArgs(process.argv.slice(2), { backend: 'wasm', threads: 1 });
await runRecipe(options, (adapter) => {
  // WebGPU is Deno's own navigator.gpu (wgpu). Its adapter offers shader-f16, but amp's native f16 kernels
  // come out unrounded there and the float16 run goes NaN, so half precision is emulated on the GPU instead.
  if (adapter.name === 'webgpu' && options.amp === 'float16') {
    registerWebGPUAmpKernels({ nativeHalf: false });
    console.log("note: amp's native f16 kernels are off on Deno's WebGPU; float16 is emulated on the GPU");
  }
});
