import crypto from 'node:crypto';
import axios, { type AxiosResponse } from 'axios';
import { z } from 'zod';

/**
 * Obtains a service-account token with admin Basic auth (spec §4.4). Works
 * against real Grafana and the emulator: create the service account (role
 * Admin) or reuse the one with that exact name, mint a uniquely named token,
 * and prove it with GET /api/datasources before returning the key.
 */
export interface BootstrapOptions {
  url: string;
  adminUser: string;
  adminPassword: string;
  /** Service-account name; token names are `<name>-<unique suffix>`. */
  name: string;
  timeoutMs?: number;
}

/** A Grafana API failure, carrying the HTTP status and Grafana's `message` (and messageId if any). */
export class GrafanaApiError extends Error {
  constructor(
    readonly step: string,
    readonly status: number,
    readonly grafanaMessage: string,
    readonly messageId?: string,
  ) {
    super(`Grafana ${step} failed: HTTP ${status}: ${grafanaMessage}`);
    this.name = 'GrafanaApiError';
  }
}

const errorBody = z.object({ message: z.string().optional(), messageId: z.string().optional() }).loose();
const serviceAccount = z.object({ id: z.number().int(), name: z.string() }).loose();
const searchResult = z.object({ serviceAccounts: z.array(serviceAccount) }).loose();
const tokenResult = z.object({ id: z.number().int(), name: z.string(), key: z.string().min(1) }).loose();

export async function bootstrapServiceAccountToken(opts: BootstrapOptions): Promise<string> {
  const baseURL = opts.url.replace(/\/+$/, '');
  const common = { baseURL, timeout: opts.timeoutMs ?? 15_000, validateStatus: () => true };
  const http = axios.create({ ...common, auth: { username: opts.adminUser, password: opts.adminPassword } });
  http.interceptors.response.use(undefined, (err: unknown) => Promise.reject(unreachable(baseURL, err)));

  const created = await http.post('/api/serviceaccounts', { name: opts.name, role: 'Admin' });
  let serviceAccountId: number;
  if (created.status === 201 || created.status === 200) {
    serviceAccountId = parse(serviceAccount, created, 'service account create').id;
  } else if (alreadyExists(created)) {
    const found = await http.get('/api/serviceaccounts/search', {
      params: { query: opts.name, perpage: 1000 },
    });
    expectStatus(found, 200, 'service account search');
    const match = parse(searchResult, found, 'service account search').serviceAccounts.find(
      (sa) => sa.name === opts.name,
    );
    if (!match) {
      throw new GrafanaApiError(
        'service account search',
        found.status,
        `no service account named "${opts.name}"`,
      );
    }
    serviceAccountId = match.id;
  } else {
    throw apiError(created, 'service account create');
  }

  const suffix = `${Date.now().toString(36)}-${crypto.randomBytes(4).toString('hex')}`;
  const tokenRes = await http.post(`/api/serviceaccounts/${serviceAccountId}/tokens`, {
    name: `${opts.name}-${suffix}`,
  });
  expectStatus(tokenRes, 200, 'service account token create');
  const { key } = parse(tokenResult, tokenRes, 'service account token create');

  // /api/health proves nothing about auth; a data source listing does.
  const verify = await http.get('/api/datasources', {
    auth: undefined,
    headers: { Authorization: `Bearer ${key}` },
  });
  expectStatus(verify, 200, 'token verification (GET /api/datasources)');
  return key;
}

/** Grafana answers a duplicate name with 400 ErrAlreadyExists; some versions/proxies use 409. */
function alreadyExists(res: AxiosResponse): boolean {
  if (res.status === 409) return true;
  const body = errorBody.safeParse(res.data);
  return (
    res.status === 400 &&
    body.success &&
    (body.data.messageId === 'serviceaccounts.ErrAlreadyExists' ||
      /already exists/i.test(body.data.message ?? ''))
  );
}

function expectStatus(res: AxiosResponse, status: number, step: string): void {
  if (res.status !== status) throw apiError(res, step);
}

function apiError(res: AxiosResponse, step: string): GrafanaApiError {
  const body = errorBody.safeParse(res.data);
  const message =
    (body.success ? body.data.message : undefined) ??
    (typeof res.data === 'string' && res.data !== '' ? res.data.slice(0, 300) : res.statusText);
  return new GrafanaApiError(step, res.status, message, body.success ? body.data.messageId : undefined);
}

/** Transport failures (no HTTP response) keep their cause but say which Grafana was unreachable. */
function unreachable(baseURL: string, err: unknown): Error {
  const detail = axios.isAxiosError(err) ? `${err.code ?? ''} ${err.message}`.trim() : String(err);
  return new Error(`Grafana at ${baseURL} is unreachable: ${detail}`, { cause: err });
}

function parse<T extends z.ZodType>(schema: T, res: AxiosResponse, step: string): z.infer<T> {
  const parsed = schema.safeParse(res.data);
  if (!parsed.success) {
    throw new GrafanaApiError(step, res.status, `unexpected response body: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}
