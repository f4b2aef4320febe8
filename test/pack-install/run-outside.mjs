// Outside the project (run from another folder): imports the project's packages, resolved the way Node
// resolves them from inside it (node --experimental-import-meta-resolve run-outside.mjs <project>), then
// picks the backend by name.
import { pathToFileURL } from 'node:url';
import { trainSteps } from './steps.mjs';

const project = pathToFileURL(`${process.argv[2]}/`).href;
const load = (name) => import(import.meta.resolve(name, project));
const [tf, core, optim, lrSchedule, amp, nn] = await Promise.all(
  ['@tensorflow/tfjs-core', '@descent/core', '@descent/optim', '@descent/lr-schedule', '@descent/amp', '@descent/nn'].map(load),
);
console.log(`RESULT ${JSON.stringify(await trainSteps({ tf, core, optim, lrSchedule, amp, nn }))}`);
