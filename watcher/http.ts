import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';

export interface HealthProbes {
  /** Process alive and its informer not wedged. */
  healthy(): boolean;
  /** Leader: first list synced. Standby: following the lease. */
  ready(): boolean;
  /** Prometheus text format. */
  metrics(): string;
}

export interface HttpServer {
  /** http://host:port actually bound (port 0 picks a free one). */
  url: string;
  close(): Promise<void>;
}

/** host:port, with [::1]:8080 for IPv6. */
export function parseHostPort(address: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d{1,5})$/.exec(address);
  if (!m || Number(m[2]) > 65535) throw new Error(`not a host:port address: ${address}`);
  return { host: m[1] ?? '', port: Number(m[2]) };
}

/** /healthz, /readyz and /metrics on node:http; nothing else is served. */
export async function startHttpServer(
  address: string,
  probes: HealthProbes,
  logger: Logger,
): Promise<HttpServer> {
  const { host, port } = parseHostPort(address);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'method not allowed\n');
    try {
      switch (path) {
        case '/healthz':
          return probes.healthy() ? reply(200, 'ok\n') : reply(503, 'informer wedged\n');
        case '/readyz':
          return probes.ready() ? reply(200, 'ok\n') : reply(503, 'not ready\n');
        case '/metrics':
          return reply(200, probes.metrics(), 'text/plain; version=0.0.4; charset=utf-8');
        default:
          return reply(404, 'not found\n');
      }
    } catch (e) {
      logger.error({ err: e instanceof Error ? e.message : String(e), path }, 'health endpoint failed');
      return reply(500, 'internal error\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host || undefined, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const shownHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  logger.info({ address: `${shownHost}:${bound.port}` }, 'health and metrics endpoints listening');
  return {
    url: `http://${shownHost}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
