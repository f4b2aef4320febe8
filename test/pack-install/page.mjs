// The browser entry esbuild bundles: the same training code as in Node.
import * as tf from '@tensorflow/tfjs-core';
import * as amp from '@descent/amp';
import { wasmAdapter } from '@descent/backend-wasm';
import * as core from '@descent/core';
import * as lrSchedule from '@descent/lr-schedule';
import * as nn from '@descent/nn';
import * as optim from '@descent/optim';
import { trainSteps } from './steps.mjs';

// A bundle holds only what it imports, and core loads adapters by a name no bundler follows: the page
// imports the adapter and registers it, so that useBackend('wasm') finds it by name.
core.registerAdapter('wasm', wasmAdapter);
globalThis.descentPackInstall = () => trainSteps({ tf, core, optim, lrSchedule, amp, nn });
