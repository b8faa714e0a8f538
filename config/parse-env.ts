import { z } from 'zod';

export class ConfigError extends Error {}

/** A `host:port` address (hostname or IPv4). */
export const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port');

/** Parses env with a zod schema; a failure lists every bad variable, prettified. */
export function parseEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv, what: string): z.output<T> {
  const r = schema.safeParse(env);
  if (r.success) return r.data;
  throw new ConfigError(`invalid ${what} configuration (environment):\n${z.prettifyError(r.error)}`);
}
