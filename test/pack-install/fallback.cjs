// Only @descent/core and @descent/optim installed, CommonJS: useBackend() falls back to cpu and trains.
const tf = require('@tensorflow/tfjs-core');
const core = require('@descent/core');
const optim = require('@descent/optim');
const { fallbackSteps } = require('./steps.cjs');

fallbackSteps({ tf, core, optim }).then(
  (result) => console.log(`RESULT ${JSON.stringify(result)}`),
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
