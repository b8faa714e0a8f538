#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { devCommand } from './commands/dev.js';
import { processCommands } from './commands/processes.js';
import { stackCommands } from './commands/stacks.js';
import { startCommand } from './commands/start.js';
import { ConfigError } from '../config/parse-env.js';
import { EXIT } from './exit-codes.js';

const program = new Command('stackwright').description(
  'Stackwright: Prometheus stacks registered in a shared Grafana, as durable Temporal sagas',
);
program.addCommand(devCommand());
for (const c of [...stackCommands(), ...processCommands(), startCommand()]) program.addCommand(c);

// Every (sub)command throws instead of exiting, so usage errors map to EXIT.usage.
const overrideExits = (c: Command): void => {
  c.exitOverride().showHelpAfterError();
  c.commands.forEach(overrideExits);
};
overrideExits(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode =
      e instanceof ConfigError ? EXIT.usage : ((e as { exitCode?: number }).exitCode ?? EXIT.failure);
  }
}
