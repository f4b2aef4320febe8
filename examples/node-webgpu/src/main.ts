// npm start [-- --loop trainer] [--quick] ...: the seed recipe on WebGPU in Node (Dawn on Vulkan).
// Without a GPU, pick a software driver: VK_ICD_FILENAMES=/usr/share/vulkan/icd.d/lvp_icd.json npm start
// Where the adapter offers shader-f16 (lavapipe does), @descent/amp runs autocast's matmuls as native f16 kernels.
import { parseRecipeArgs, runRecipe } from '@descent-examples/node-wasm';

await runRecipe(parseRecipeArgs(process.argv.slice(2), { backend: 'webgpu' }));
