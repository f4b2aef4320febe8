import { main } from './index.js';

// A closed pipe (`descent lr list | head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
});
process.exitCode = await main(process.argv.slice(2));
// A backend's worker threads (tfjs-wasm's threaded build) can keep the event loop
// alive after `descent train`: an unref'd timer fires only then, and ends the process.
setTimeout(() => process.exit(), 200).unref();
