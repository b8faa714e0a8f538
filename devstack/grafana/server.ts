/**
 * Grafana emulator: TEST INFRASTRUCTURE standing in for a shared Grafana in the
 * local stack and in tests. It is not Grafana and contains no Grafana code; it
 * reimplements the legacy /api subset our operator uses from the written spec
 * (/work/shared/grafana-api.md), including Grafana's status codes, messages,
 * ordering of checks and optimistic locking, and it really health-checks the
 * Prometheus behind a data source.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { authenticate, LoginAttempts, type AdminCredentials } from './auth.js';
import { datasourceRoutes } from './datasource-routes.js';
import { faultAdmin } from './fault-routes.js';
import { faultReply, Faults, FAULTS_PATH } from './faults.js';
import { frontendSettingsRoutes } from './frontend-settings-routes.js';
import { healthRoutes } from './health-routes.js';
import { readBody, send } from './http-io.js';
import { requirePermission } from './rbac.js';
import { fail, HttpError, type Reply } from './responses.js';
import { datasourceKey, RequestCounts, REQUESTS_PATH } from './request-counts.js';
import { requestCountAdmin } from './request-count-routes.js';
import { matchRoute, pathSegments, type Route } from './router.js';
import { serviceAccountRoutes } from './service-account-routes.js';
import { Store } from './store.js';
import { EMULATOR_COMMIT, EMULATOR_VERSION } from './version.js';

export interface GrafanaEmulatorOptions {
  host: string;
  /** 0 picks an ephemeral port. */
  port: number;
  stateFile: string;
  adminUser: string;
  adminPassword: string;
  logger?: Logger;
  /** Health-check deadline when the data source sets no `jsonData.timeout` (Grafana: 30 s). */
  healthCheckTimeoutMs?: number;
  /** Grafana's login brute-force protection (5 failures in 5 minutes); on by default, as in Grafana. */
  bruteForceProtection?: boolean;
}

export interface GrafanaEmulator {
  url: string;
  port: number;
  close(): Promise<void>;
}

const CLOSE_GRACE_MS = 5_000;
const BASE = 'http://emulator.invalid';

export async function startGrafanaEmulator(options: GrafanaEmulatorOptions): Promise<GrafanaEmulator> {
  const log = options.logger ?? pino({ level: 'silent' });
  const store = Store.open(options.stateFile); // throws StateFileError naming the file
  const admin: AdminCredentials = { user: options.adminUser, password: options.adminPassword };
  const attempts = options.bruteForceProtection === false ? undefined : new LoginAttempts();
  const faults = new Faults();
  const counts = new RequestCounts();
  const routes: Route[] = [
    ...healthRoutes(store, options.healthCheckTimeoutMs ?? 30_000),
    ...datasourceRoutes(store),
    ...serviceAccountRoutes(store),
    ...frontendSettingsRoutes(),
    {
      methods: ['POST'],
      pattern: '/api/auth/keys',
      handler: () => {
        throw fail(
          410,
          'this endpoint has been removed, please use POST /api/serviceaccounts and POST /api/serviceaccounts/{id}/tokens instead',
        );
      },
    },
  ];

  // Never rejects: every failure becomes a response, so the server cannot crash on a request.
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const reply = await respond(method, req).catch((err: unknown) => errorReply(err, method, req.url));
    log.debug({ method, url: req.url, status: reply.status }, 'request');
    try {
      send(res, reply, method === 'HEAD');
    } catch (err) {
      log.warn({ err }, 'grafana emulator: could not send response');
      res.destroy();
    }
  };

  const errorReply = (err: unknown, method: string, url: string | undefined): Reply => {
    if (err instanceof HttpError) return { status: err.status, body: err.body };
    log.error({ err, method, url }, 'grafana emulator: unhandled error');
    return { status: 500, body: { message: 'Internal Server Error', traceID: '' } };
  };

  // Injected faults (test-only, see faults.ts) answer instead of, or after, the real operation.
  const respond = async (method: string, req: IncomingMessage): Promise<Reply> => {
    const path = URL.canParse(req.url ?? '/', BASE) ? new URL(req.url ?? '/', BASE).pathname : '';
    const bodyText = await readBody(req);
    const adminAuth = { store, admin, attempts };
    if (path === FAULTS_PATH)
      return faultAdmin({ method, headers: req.headers, bodyText }, faults, adminAuth);
    if (path.startsWith(`${FAULTS_PATH}/`)) {
      const id = path.slice(FAULTS_PATH.length + 1);
      return faultAdmin({ method, id, headers: req.headers, bodyText }, faults, adminAuth);
    }
    if (path === REQUESTS_PATH) return requestCountAdmin({ method, headers: req.headers }, counts, adminAuth);
    const segments = pathSegments(path);
    const match = segments ? matchRoute(routes, method, segments) : undefined;
    const named = () => datasourceKey(match?.route, match?.params ?? {}, bodyText, store);
    const before = named();
    const count = () => counts.record(method, match?.route, before?.startsWith('name:') ? named() : before);
    const fault = faults.take(method, path, bodyText);
    if (fault) log.debug({ method, url: req.url, fault }, 'injected fault');
    if (fault && !fault.commitFirst) {
      count();
      return faultReply(fault);
    }
    const reply = await dispatch(method, req, bodyText).catch((err: unknown) =>
      errorReply(err, method, req.url),
    );
    count();
    return fault ? faultReply(fault) : reply;
  };

  const dispatch = async (method: string, req: IncomingMessage, bodyText: string): Promise<Reply> => {
    const url = URL.canParse(req.url ?? '/', BASE) ? new URL(req.url ?? '/', BASE) : undefined;
    if (!url) return { status: 400, body: '400 Bad Request', text: true };
    const p = url.pathname;
    if (p === '/api/health' && (method === 'GET' || method === 'HEAD')) return apiHealth();
    if (p === '/healthz') return { status: 200, body: 'Ok', text: true };
    if (p !== '/api' && !p.startsWith('/api/')) return nonApi(p);
    const segments = pathSegments(p);
    // Go's server rejects a malformed escape before any handler runs.
    if (!segments) return { status: 400, body: '400 Bad Request', text: true };
    const match = matchRoute(routes, method, segments);
    if (!match) throw fail(404, 'Not found');
    const identity = authenticate(req.headers, store, admin, attempts);
    if (match.route.permission) requirePermission(identity, match.route.permission);
    return match.route.handler({
      method,
      params: match.params,
      query: url.searchParams,
      headers: req.headers,
      identity,
      bodyText,
    });
  };

  const server = http.createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`grafana emulator cannot listen on ${options.host}:${options.port}: ${err.message}`)),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;

  let closing: Promise<void> | undefined;
  const close = () => {
    // Stop accepting, let in-flight requests finish, then cut whatever is left.
    closing ??= new Promise<void>((resolve) => {
      const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
      server.close(() => {
        clearTimeout(force);
        resolve();
      });
      server.closeIdleConnections();
    });
    return closing;
  };
  return { url: `http://${host}:${port}`, port, close };
}

/** `GET /api/health`: unauthenticated, pretty-printed like Grafana's. */
function apiHealth(): Reply {
  const body = { database: 'ok', version: EMULATOR_VERSION, commit: EMULATOR_COMMIT };
  return {
    status: 200,
    body: JSON.stringify(body, null, 2),
    text: true,
    headers: { 'Content-Type': 'application/json; charset=UTF-8' },
  };
}

/** The emulator has no UI: non-API paths redirect to /login, which says so. */
function nonApi(path: string): Reply {
  if (path === '/login')
    return { status: 200, body: 'Grafana emulator (Stackwright test infrastructure): no UI.', text: true };
  return { status: 302, body: '', text: true, headers: { Location: '/login' } };
}
