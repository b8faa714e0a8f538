/**
 * Which Grafana instances this worker may talk to, and how it authenticates.
 * Worker-side only: never in the cluster, in workflow inputs or in history; a
 * MonitoringStack names an instance and nothing more. The config holds where
 * credentials live (env var names, file paths), never the credentials: those
 * are read on each call (see credentials.ts), so a rotated token file is
 * picked up without a restart.
 */
import fs from 'node:fs';
import { ApplicationFailure } from '@temporalio/common';
import YAML from 'yaml';
import { z } from 'zod';

export const GRAFANA_CONFIG_ENV = 'STACKWRIGHT_GRAFANA_CONFIG';
export const DEFAULT_INSTANCE = 'default';

const dnsLabel = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
    'must be a DNS label: lowercase letters, digits and "-", starting and ending alphanumeric, at most 63',
  );
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

const authSchema = z.union(
  [
    z.strictObject({ tokenEnv: envName }),
    z.strictObject({ tokenFile: z.string().min(1) }),
    z.strictObject({ basic: z.strictObject({ userEnv: envName, passwordEnv: envName }) }),
  ],
  { error: 'must be one of { tokenEnv }, { tokenFile } or { basic: { userEnv, passwordEnv } }' },
);

const instanceSchema = z.strictObject({
  name: dnsLabel,
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .transform((u) => u.replace(/\/+$/, '')),
  auth: authSchema,
  tls: z
    .strictObject({ caFile: z.string().min(1).optional(), insecureSkipVerify: z.boolean().default(false) })
    .optional(),
  timeoutSeconds: z.number().positive().max(600).default(10),
});

export const grafanaConfigSchema = z.strictObject({
  instances: z
    .array(instanceSchema)
    .min(1, 'configure at least one Grafana instance')
    .superRefine((instances, ctx) => {
      const seen = new Set<string>();
      instances.forEach((inst, i) => {
        if (seen.has(inst.name)) {
          ctx.addIssue({
            code: 'custom',
            message: `duplicate instance name '${inst.name}'`,
            path: [i, 'name'],
          });
        }
        seen.add(inst.name);
      });
    }),
});

export type GrafanaAuthConfig = z.output<typeof authSchema>;
export type GrafanaInstanceConfig = z.output<typeof instanceSchema>;
export type GrafanaConfig = z.output<typeof grafanaConfigSchema>;
export type Env = Record<string, string | undefined>;

/** The configured instances plus the environment credentials are read from at call time. */
export class GrafanaInstances {
  private readonly byName: ReadonlyMap<string, GrafanaInstanceConfig>;

  constructor(
    instances: readonly GrafanaInstanceConfig[],
    /** Read on every call (process.env is live), never copied. */
    readonly env: Env,
    /** Where the config came from, for messages. */
    readonly source: string,
  ) {
    this.byName = new Map(instances.map((i) => [i.name, i]));
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  /** The instance, or a non-retryable failure: retrying cannot make an unconfigured instance appear. */
  get(name: string): GrafanaInstanceConfig {
    const instance = this.byName.get(name);
    if (!instance) {
      throw ApplicationFailure.nonRetryable(
        `unknown Grafana instance '${name}' (configured: ${this.names.join(', ')})`,
        'UnknownGrafanaInstance',
      );
    }
    return instance;
  }
}

/**
 * Loads the instances from the file named by STACKWRIGHT_GRAFANA_CONFIG (YAML
 * or JSON), or, without it, one instance `default` from GRAFANA_URL with the
 * token in GRAFANA_TOKEN. Throws an Error naming the source and listing every
 * problem (z.prettifyError) when the config is unusable.
 */
export function loadGrafanaInstances(env: Env = process.env): GrafanaInstances {
  const file = env[GRAFANA_CONFIG_ENV];
  if (file) {
    let raw: unknown;
    try {
      // YAML is a superset of JSON, so one parser reads both.
      raw = YAML.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(
        `cannot read Grafana config ${file} (${GRAFANA_CONFIG_ENV}): ${(err as Error).message}`,
        { cause: err },
      );
    }
    return new GrafanaInstances(parse(raw, `Grafana config ${file}`), env, file);
  }
  const url = env.GRAFANA_URL;
  if (!url) {
    throw new Error(
      `no Grafana configured: set ${GRAFANA_CONFIG_ENV} to a config file, or GRAFANA_URL and GRAFANA_TOKEN`,
    );
  }
  const fromEnv = { instances: [{ name: DEFAULT_INSTANCE, url, auth: { tokenEnv: 'GRAFANA_TOKEN' } }] };
  return new GrafanaInstances(parse(fromEnv, 'Grafana config from GRAFANA_URL'), env, 'GRAFANA_URL');
}

function parse(raw: unknown, what: string): GrafanaInstanceConfig[] {
  const parsed = grafanaConfigSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`invalid ${what}:\n${z.prettifyError(parsed.error)}`);
  return parsed.data.instances;
}
