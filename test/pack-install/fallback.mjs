// Only @descent/core and @descent/optim installed: useBackend() falls back to cpu and trains.
import * as tf from '@tensorflow/tfjs-core';
import * as core from '@descent/core';
import * as optim from '@descent/optim';
import { fallbackSteps } from './steps.mjs';

console.log(`RESULT ${JSON.stringify(await fallbackSteps({ tf, core, optim }))}`);
