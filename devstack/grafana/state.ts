import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { generateUid, serviceAccountLogin } from './ids.js';
import { hashToken } from './token.js';

/**
 * The emulator's persisted state: one JSON file, validated on load. Seeds may
 * be written by hand (tests seed read-only "provisioned" data sources, extra
 * orgs, revoked tokens): most fields have defaults, and a token may be given
 * as a clear `key`, which is hashed on load and never written back.
 */
export const STATE_FORMAT = 'stackwright-grafana-emulator/v1';

export const ROLES = ['None', 'Viewer', 'Editor', 'Admin'] as const;
export type Role = (typeof ROLES)[number];

const id = z.number().int().positive();
const stamp = z.iso.datetime().default(() => new Date().toISOString());

const orgSchema = z.object({ id, name: z.string().min(1) });

const datasourceSchema = z.object({
  id: id.optional(),
  orgId: id.default(1),
  uid: z.string().max(40).optional(),
  name: z.string().min(1),
  type: z.string().min(1),
  access: z.string().min(1).default('proxy'),
  url: z.string().default(''),
  user: z.string().default(''),
  database: z.string().default(''),
  basicAuth: z.boolean().default(false),
  basicAuthUser: z.string().default(''),
  withCredentials: z.boolean().default(false),
  isDefault: z.boolean().default(false),
  jsonData: z.record(z.string(), z.unknown()).default({}),
  secureJsonData: z.record(z.string(), z.string()).default({}),
  readOnly: z.boolean().default(false),
  version: z.number().int().min(0).default(1),
  created: stamp,
  updated: stamp,
});

const serviceAccountSchema = z.object({
  id: id.optional(),
  uid: z.string().min(1).optional(),
  orgId: id.default(1),
  name: z.string().min(1),
  login: z.string().min(1).optional(),
  role: z.enum(ROLES).default('Viewer'),
  isDisabled: z.boolean().default(false),
  created: stamp,
  updated: stamp,
});

const tokenSchema = z
  .object({
    id: id.optional(),
    serviceAccountId: id,
    name: z.string().min(1),
    hash: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    key: z.string().min(1).optional(),
    created: stamp,
    expires: z.iso.datetime().nullable().default(null),
    lastUsedAt: z.iso.datetime().nullable().default(null),
    isRevoked: z.boolean().default(false),
  })
  .refine((t) => t.hash !== undefined || t.key !== undefined, { message: 'a token needs "hash" or "key"' });

const stateFileSchema = z.object({
  format: z.literal(STATE_FORMAT).optional(),
  nextIds: z.object({ datasource: id, user: id, token: id }).partial().default({}),
  orgs: z
    .array(orgSchema)
    .min(1)
    .default([{ id: 1, name: 'Main Org.' }]),
  datasources: z.array(datasourceSchema).default([]),
  serviceAccounts: z.array(serviceAccountSchema).default([]),
  tokens: z.array(tokenSchema).default([]),
});

type Filled<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: Exclude<T[P], undefined> };
export type Org = z.infer<typeof orgSchema>;
export type DatasourceRecord = Filled<z.infer<typeof datasourceSchema>, 'id' | 'uid'>;
export type ServiceAccountRecord = Filled<z.infer<typeof serviceAccountSchema>, 'id' | 'uid' | 'login'>;
export type TokenRecord = Filled<Omit<z.infer<typeof tokenSchema>, 'key'>, 'id' | 'hash'> & { orgId: number };

export interface EmulatorState {
  orgs: Org[];
  datasources: DatasourceRecord[];
  serviceAccounts: ServiceAccountRecord[];
  tokens: TokenRecord[];
  /** Next autoincrement values; user id 1 is the admin, so service accounts start at 2. */
  nextIds: { datasource: number; user: number; token: number };
}

export class StateFileError extends Error {
  constructor(file: string, problem: string) {
    super(`Grafana emulator state file ${file} ${problem}`);
    this.name = 'StateFileError';
  }
}

export function loadState(file: string): EmulatorState {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new StateFileError(file, `cannot be read: ${(err as Error).message}`);
    }
  }
  let raw: unknown = {};
  if (text.trim() !== '') {
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new StateFileError(file, `is not valid JSON: ${(err as Error).message}`);
    }
  }
  const parsed = stateFileSchema.safeParse(raw);
  if (!parsed.success) throw new StateFileError(file, `is invalid:\n${z.prettifyError(parsed.error)}`);
  try {
    return normalize(parsed.data);
  } catch (err) {
    throw new StateFileError(file, `is inconsistent: ${(err as Error).message}`);
  }
}

/** Fills ids/uids/logins left out of seeds and enforces the uniqueness rules the store relies on. */
function normalize(data: z.infer<typeof stateFileSchema>): EmulatorState {
  const orgIds = new Set(data.orgs.map((o) => o.id));
  // A counter never goes back below an id already handed out (autoincrement semantics).
  const after = (given: number | undefined, ids: (number | undefined)[], floor: number) =>
    Math.max(given ?? floor, floor, ...ids.map((i) => (i ?? 0) + 1));
  const next = {
    datasource: after(
      data.nextIds.datasource,
      data.datasources.map((d) => d.id),
      1,
    ),
    user: after(
      data.nextIds.user,
      data.serviceAccounts.map((s) => s.id),
      2,
    ),
    token: after(
      data.nextIds.token,
      data.tokens.map((t) => t.id),
      1,
    ),
  };
  const checkOrg = (what: string, orgId: number) => {
    if (!orgIds.has(orgId)) throw new Error(`${what} refers to unknown org ${orgId}`);
  };
  const unique = new Set<string>();
  const claim = (key: string, what: string) => {
    if (unique.has(key)) throw new Error(`duplicate ${what}`);
    unique.add(key);
  };

  const datasources = data.datasources.map((d): DatasourceRecord => {
    checkOrg(`data source "${d.name}"`, d.orgId);
    const ds = { ...d, id: d.id ?? next.datasource++, uid: d.uid || generateUid() };
    claim(`ds-id:${ds.id}`, `data source id ${ds.id}`);
    claim(`ds-name:${ds.orgId}:${ds.name}`, `data source name "${ds.name}" in org ${ds.orgId}`);
    claim(`ds-uid:${ds.orgId}:${ds.uid}`, `data source uid "${ds.uid}" in org ${ds.orgId}`);
    return ds;
  });
  const serviceAccounts = data.serviceAccounts.map((s): ServiceAccountRecord => {
    checkOrg(`service account "${s.name}"`, s.orgId);
    const sa = {
      ...s,
      id: s.id ?? next.user++,
      uid: s.uid ?? generateUid(),
      login: s.login ?? serviceAccountLogin(s.orgId, s.name),
    };
    claim(`user-id:${sa.id}`, `service account id ${sa.id}`);
    claim(
      `sa-name:${sa.orgId}:${sa.name.toLowerCase()}`,
      `service account name "${sa.name}" in org ${sa.orgId}`,
    );
    return sa;
  });
  const tokens = data.tokens.map(({ key, ...t }): TokenRecord => {
    const sa = serviceAccounts.find((s) => s.id === t.serviceAccountId);
    if (!sa) throw new Error(`token "${t.name}" refers to unknown service account ${t.serviceAccountId}`);
    const token = { ...t, id: t.id ?? next.token++, hash: t.hash ?? hashToken(key ?? ''), orgId: sa.orgId };
    claim(`token-id:${token.id}`, `token id ${token.id}`);
    claim(`token-name:${token.orgId}:${token.name}`, `token name "${token.name}" in org ${token.orgId}`);
    return token;
  });
  return { orgs: data.orgs, datasources, serviceAccounts, tokens, nextIds: next };
}

/** Atomic replace: write a temp file in the same directory, fsync, then rename over the target. */
export function saveState(file: string, state: EmulatorState): void {
  const body = {
    format: STATE_FORMAT,
    nextIds: state.nextIds,
    orgs: state.orgs,
    datasources: state.datasources,
    serviceAccounts: state.serviceAccounts,
    tokens: state.tokens.map(({ orgId: _derived, ...t }) => t),
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, `${JSON.stringify(body, null, 2)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
