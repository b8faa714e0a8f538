import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

/** True if something already accepts connections on host:port. */
export function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host });
    sock.setTimeout(1000);
    sock.once('connect', () => (sock.destroy(), resolve(true)));
    sock.once('timeout', () => (sock.destroy(), resolve(false)));
    sock.once('error', () => resolve(false));
  });
}

/** True if host:port can be bound right now (nothing listening, not reserved). */
export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

export interface HttpProbe {
  url: string;
  /** PEM material for https probes; when absent, a self-signed server cert is accepted. */
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  headers?: Record<string, string>;
  expect?: (status: number, body: string) => boolean;
}

/** One GET; resolves to whether it answered as expected (2xx by default). Never rejects. */
export function probeHttp(p: HttpProbe, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const u = new URL(p.url);
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.get(
      u,
      {
        timeout: timeoutMs,
        headers: p.headers,
        ca: p.ca,
        cert: p.cert,
        key: p.key,
        rejectUnauthorized: p.ca !== undefined,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          resolve(p.expect ? p.expect(status, body) : status >= 200 && status < 300);
        });
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}
