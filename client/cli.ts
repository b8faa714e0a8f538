#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { devCommand } from './commands/dev.js';
import { EXIT } from './exit-codes.js';

const program = new Command('stackwright')
  .description('Stackwright: Prometheus stacks registered in a shared Grafana, as durable Temporal sagas')
  .exitOverride()
  .showHelpAfterError();
program.addCommand(devCommand());

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = (e as { exitCode?: number }).exitCode ?? EXIT.failure;
  }
}
