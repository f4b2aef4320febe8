// Inside the project: the packages by name, as an app imports them; the backend by name.
import * as tf from '@tensorflow/tfjs-core';
import * as amp from '@descent/amp';
import * as core from '@descent/core';
import * as lrSchedule from '@descent/lr-schedule';
import * as nn from '@descent/nn';
import * as optim from '@descent/optim';
import { trainSteps } from './steps.mjs';

console.log(`RESULT ${JSON.stringify(await trainSteps({ tf, core, optim, lrSchedule, amp, nn }))}`);
