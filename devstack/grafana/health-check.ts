import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { DatasourceRecord } from './state.js';

/**
 * The Prometheus plugin's health check (spec §3.1), done for real against the
 * data source URL: an instant query `1+1` at time 4, then a buildinfo probe for
 * details. Connection errors are worded the way Go's HTTP client words them.
 */
export interface HealthResult {
  status: 'OK' | 'ERROR';
  message: string;
  details?: { application: string; features: { rulerApiEnabled: boolean } };
}

const QUERY_SUFFIX = 'There was an error returned querying the Prometheus API.';
const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

interface Fetched {
  status: number;
  body: string;
}

export async function checkPrometheus(ds: DatasourceRecord, defaultTimeoutMs: number): Promise<HealthResult> {
  const timeoutMs = timeoutOf(ds) ?? defaultTimeoutMs;
  const headers = authHeaders(ds);
  const params = new URLSearchParams({ query: '1+1', time: '4' });
  const queryTimeout = ds.jsonData.queryTimeout;
  if (typeof queryTimeout === 'string' && queryTimeout !== '') params.set('timeout', queryTimeout);
  const usePost = String(ds.jsonData.httpMethod ?? 'POST').toUpperCase() !== 'GET';
  const op = usePost ? 'Post' : 'Get';
  const insecure = ds.jsonData.tlsSkipVerify === true;
  const base = parseBase(ds.url, op);

  let result: HealthResult;
  try {
    if (typeof base === 'string') throw new GoError(base);
    const url = joinPath(base, 'api/v1/query');
    if (!usePost) url.search = params.toString();
    const res = await request(url, op, timeoutMs, {
      method: usePost ? 'POST' : 'GET',
      headers: usePost ? { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' } : headers,
      body: usePost ? params.toString() : undefined,
      insecure,
    });
    const problem = queryProblem(res);
    result = problem
      ? { status: 'ERROR', message: `${problem} - ${QUERY_SUFFIX}` }
      : { status: 'OK', message: 'Successfully queried the Prometheus API.' };
  } catch (err) {
    const text = err instanceof GoError ? err.message : String(err);
    result = { status: 'ERROR', message: `${text} - ${QUERY_SUFFIX}` };
  }
  if (typeof base !== 'string') {
    const details = await buildInfoDetails(
      joinPath(base, 'api/v1/status/buildinfo'),
      headers,
      timeoutMs,
      insecure,
    );
    if (details) result.details = details;
  }
  return result;
}

/** Why a query response counts as failed, or undefined when it parsed as a Prometheus success. */
function queryProblem(res: Fetched): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    const excerpt = res.body.slice(0, 100).trim();
    return `unexpected response from Prometheus (HTTP ${res.status}): ${excerpt || 'empty body'}`;
  }
  const obj = (parsed ?? {}) as { status?: unknown; error?: unknown; errorType?: unknown };
  if (obj.status === 'error') {
    return [obj.errorType, obj.error].filter((s) => typeof s === 'string' && s !== '').join(': ') || 'error';
  }
  if (res.status < 200 || res.status > 299) return `unexpected status code ${res.status}`;
  if (obj.status !== 'success') return 'unexpected response: missing "status":"success"';
  return undefined;
}

async function buildInfoDetails(
  url: URL,
  headers: Record<string, string>,
  timeoutMs: number,
  insecure: boolean,
) {
  try {
    const res = await request(url, 'Get', timeoutMs, { method: 'GET', headers, insecure });
    if (res.status !== 200) return undefined;
    const data = (JSON.parse(res.body) as { data?: { features?: Record<string, unknown> } }).data;
    const mimir = Object.keys(data?.features ?? {}).length > 0;
    return mimir
      ? { application: 'Mimir', features: { rulerApiEnabled: true } }
      : { application: 'Prometheus', features: { rulerApiEnabled: false } };
  } catch {
    return undefined; // Grafana only logs a buildinfo failure
  }
}

class GoError extends Error {}

/** The data source URL, or Go's error text when no request can be made to it. */
function parseBase(raw: string, op: string): URL | string {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(raw)?.[1]?.toLowerCase() ?? '';
  const where = `${raw.replace(/\/$/, '')}/api/v1/query`;
  if (scheme !== 'http' && scheme !== 'https')
    return `${op} "${where}": unsupported protocol scheme "${scheme}"`;
  try {
    return new URL(raw);
  } catch {
    return `${op} "${where}": invalid URL`;
  }
}

/** Like Go's path.Join onto the URL's own path: `http://h/prom/` → `/prom/api/v1/query`. */
function joinPath(base: URL, suffix: string): URL {
  const url = new URL(base.href);
  url.pathname = path.posix.join('/', url.pathname, suffix);
  return url;
}

function timeoutOf(ds: DatasourceRecord): number | undefined {
  const seconds = Number(ds.jsonData.timeout);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

function authHeaders(ds: DatasourceRecord): Record<string, string> {
  const headers: Record<string, string> = { 'User-Agent': 'Grafana/12.0.0 (stackwright emulator)' };
  if (ds.basicAuth) {
    const pair = `${ds.basicAuthUser}:${ds.secureJsonData.basicAuthPassword ?? ''}`;
    headers.Authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  }
  // Custom headers: jsonData.httpHeaderNameN paired with secureJsonData.httpHeaderValueN.
  for (const [key, name] of Object.entries(ds.jsonData)) {
    const n = /^httpHeaderName(\d+)$/.exec(key)?.[1];
    if (n !== undefined && typeof name === 'string' && name !== '') {
      headers[name] = ds.secureJsonData[`httpHeaderValue${n}`] ?? '';
    }
  }
  return headers;
}

function request(
  url: URL,
  op: 'Get' | 'Post',
  timeoutMs: number,
  opts: { method: string; headers: Record<string, string>; body?: string | undefined; insecure: boolean },
): Promise<Fetched> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const goFail = (text: string) => {
      clearTimeout(timer);
      reject(new GoError(`${op} "${url.href}": ${text}`));
    };
    // An overall deadline (like Go's Client.Timeout), not just a socket idle timeout.
    const timer = setTimeout(() => {
      req.destroy();
      goFail('context deadline exceeded (Client.Timeout exceeded while awaiting headers)');
    }, timeoutMs);
    const req = client.request(
      url,
      { method: opts.method, headers: opts.headers, rejectUnauthorized: !opts.insecure },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_RESPONSE_BYTES) chunks.push(c);
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (e) => goFail(e.message));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException & { address?: string; port?: number }) =>
      goFail(goErrorText(e, url)),
    );
    req.end(opts.body);
  });
}

/** Maps Node socket errors to the text Go's net package would produce. */
function goErrorText(e: NodeJS.ErrnoException & { address?: string; port?: number }, url: URL): string {
  const addr = e.address ? `${e.address.includes(':') ? `[${e.address}]` : e.address}:${e.port}` : url.host;
  switch (e.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${addr}: connect: connection refused`;
    case 'EHOSTUNREACH':
      return `dial tcp ${addr}: connect: no route to host`;
    case 'ENETUNREACH':
      return `dial tcp ${addr}: connect: network is unreachable`;
    case 'ETIMEDOUT':
      return `dial tcp ${addr}: i/o timeout`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `dial tcp: lookup ${url.hostname}: no such host`;
    case 'ECONNRESET':
      return 'read: connection reset by peer';
    default:
      return e.message;
  }
}
