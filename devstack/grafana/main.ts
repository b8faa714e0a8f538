/**
 * Entry point of the Grafana emulator (test infrastructure, not Grafana):
 *   tsx devstack/grafana/main.ts --host 127.0.0.1 --port 3000 --state-file <path> \
 *     --admin-user admin --admin-password <pw>
 * The admin user/password may instead come from GF_SECURITY_ADMIN_USER /
 * GF_SECURITY_ADMIN_PASSWORD (keeps the password out of argv), defaulting to
 * admin/admin like Grafana. Bad flags exit 2; startup failures exit 1.
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { z } from 'zod';
import { startGrafanaEmulator } from './server.js';
import { StateFileError } from './state.js';

const USAGE = `usage: grafana-emulator --state-file <path> [--host 127.0.0.1] [--port 3000]
                        [--admin-user admin] [--admin-password <pw>]
                        [--health-timeout-ms 30000] [--log-level info]`;

const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `expected an integer between ${min} and ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const flagsSchema = z.object({
  host: z.string().min(1, 'must not be empty'),
  port: integer(0, 65535),
  'state-file': z.string({ error: 'is required' }).min(1, 'must not be empty'),
  'admin-user': z.string().min(1, 'must not be empty'),
  'admin-password': z.string().min(1, 'must not be empty'),
  'health-timeout-ms': integer(1, 600_000),
  'log-level': z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
});

function usageError(message: string): never {
  process.stderr.write(`grafana-emulator: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseFlags(argv: string[]): z.infer<typeof flagsSchema> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(Object.keys(flagsSchema.shape).map((k) => [k, { type: 'string' as const }])),
      },
    }).values;
  } catch (err) {
    usageError((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const parsed = flagsSchema.safeParse({
    host: '127.0.0.1',
    port: '3000',
    'admin-user': process.env.GF_SECURITY_ADMIN_USER || 'admin',
    'admin-password': process.env.GF_SECURITY_ADMIN_PASSWORD || 'admin',
    'health-timeout-ms': '30000',
    'log-level': 'info',
    ...Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)),
  });
  if (!parsed.success) usageError(`invalid flags\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const logger = pino({ name: 'grafana-emulator', level: flags['log-level'] });
  let emulator;
  try {
    emulator = await startGrafanaEmulator({
      host: flags.host,
      port: flags.port,
      stateFile: flags['state-file'],
      adminUser: flags['admin-user'],
      adminPassword: flags['admin-password'],
      healthCheckTimeoutMs: flags['health-timeout-ms'],
      logger,
    });
  } catch (err) {
    // Expected startup problems (corrupt state, port in use) get one clear line, no stack.
    const known = err instanceof StateFileError || (err as Error).message.startsWith('grafana emulator');
    process.stderr.write(
      `grafana-emulator: ${known ? (err as Error).message : String((err as Error).stack)}\n`,
    );
    process.exit(1);
  }
  logger.info(
    { url: emulator.url, stateFile: flags['state-file'] },
    `Grafana emulator listening on ${emulator.url}`,
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1); // a second signal means "now"
    stopping = true;
    logger.info({ signal }, 'Grafana emulator shutting down');
    void emulator.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

await main();
