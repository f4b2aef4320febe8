// Inside the project, CommonJS: the packages' require entries; the backend by name.
const tf = require('@tensorflow/tfjs-core');
const amp = require('@descent/amp');
const core = require('@descent/core');
const lrSchedule = require('@descent/lr-schedule');
const nn = require('@descent/nn');
const optim = require('@descent/optim');
const { trainSteps } = require('./steps.cjs');

trainSteps({ tf, core, optim, lrSchedule, amp, nn }).then(
  (result) => console.log(`RESULT ${JSON.stringify(result)}`),
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
