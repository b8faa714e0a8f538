import { failureExit, WORKER_EXIT } from './exit.js';
import { runWorkerProcess } from './main.js';

// Entry point of the worker container (`node dist/worker/run.js`): one line on
// stderr and a documented exit code on failure, never a stack trace (exit.ts).
try {
  await runWorkerProcess(process.env);
  process.exitCode = WORKER_EXIT.ok;
} catch (e) {
  const { code, line } = failureExit(e);
  process.stderr.write(line);
  process.exitCode = code;
}
