// deno run -A src/main.ts [--backend webgpu] [--loop trainer] [--quick] ...: the seed recipe on Deno 2.
import { registerWebGPUAmpKernels } from '@descent/amp/webgpu';
import { createWasmAdapter } from '@descent/backend-wasm';
import { parseRecipeArgs, runRecipe } from '@descent-examples/node-wasm';

const options = parseRecipeArgs(process.argv.slice(2), { backend: 'wasm' });
if (options.backend === 'wasm') {
  // One thread: tfjs-wasm's threaded build cannot start its pthread workers in Deno (their script assigns
  // self.location, which Deno's worker global has only a getter for).
  await runRecipe(options, createWasmAdapter({ threads: 1 }));
} else {
  // WebGPU is Deno's own navigator.gpu (wgpu). Its adapter offers shader-f16, but amp's native f16 kernels
  // come out unrounded there and the float16 run goes NaN, so half precision is emulated on the GPU instead.
  await runRecipe(options, options.backend, (adapter) => {
    if (adapter.name === 'webgpu' && options.amp === 'float16') {
      registerWebGPUAmpKernels({ nativeHalf: false });
      console.log("note: amp's native f16 kernels are off on Deno's WebGPU; float16 is emulated on the GPU");
    }
  });
}
