import { ConfigError } from '../config/parse-env.js';
import { runWatcherProcess } from './main.js';

// Entry point of the watcher container (`node dist/watcher/run.js`): one line
// on stderr and an exit code on failure (2: configuration, 1: anything else).
try {
  await runWatcherProcess(process.env);
} catch (e) {
  const config = e instanceof ConfigError;
  process.stderr.write(
    `stackwright watcher: ${config ? '' : 'failed: '}${e instanceof Error ? e.message : String(e)}\n`,
  );
  process.exitCode = config ? 2 : 1;
}
