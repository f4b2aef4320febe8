import * as amp from './amp.js';
import * as optim from './optim.js';

// Declarations of every fused op (names, inputs, outputs, attrs as data).
// Algorithm packages give them fallbacks; adapters give them kernels.

/** Every fused op's declaration, by name: `fusedOps.AdamStep`. */
export const fusedOps = { ...optim, ...amp };

/** The optimizer updates of @descent/optim (packages/optim/KERNELS.md). */
export const OPTIM_OPS = Object.values(optim);

/** @descent/amp's unscale-and-check and half rounding. */
export const AMP_OPS = Object.values(amp);
