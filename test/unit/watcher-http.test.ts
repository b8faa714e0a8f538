import { afterEach, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { parseHostPort, startHttpServer, type HttpServer } from '../../watcher/http.js';
import { WatcherMetrics } from '../../watcher/metrics.js';

describe('WatcherMetrics', () => {
  it('renders counters and the leader gauge in the Prometheus text format', () => {
    const m = new WatcherMetrics();
    m.inc('stackwright_watcher_events_total', { type: 'ADDED' });
    m.inc('stackwright_watcher_events_total', { type: 'ADDED' });
    m.inc('stackwright_watcher_events_total', { type: 'MODIFIED' });
    m.inc('stackwright_watcher_watch_restarts_total', { reason: 'stale' });
    m.set('stackwright_watcher_leader', 1);
    const text = m.render();
    expect(text).toContain('# TYPE stackwright_watcher_events_total counter\n');
    expect(text).toContain('stackwright_watcher_events_total{type="ADDED"} 2\n');
    expect(text).toContain('stackwright_watcher_events_total{type="MODIFIED"} 1\n');
    expect(text).toContain('stackwright_watcher_watch_restarts_total{reason="stale"} 1\n');
    expect(text).toContain('# TYPE stackwright_watcher_leader gauge\nstackwright_watcher_leader 1\n');
    expect(text).toContain('stackwright_watcher_invalid_specs_total 0\n');
    expect(m.total('stackwright_watcher_events_total')).toBe(3);
    // Every sample line is `name{labels} value`.
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#')))
      expect(line).toMatch(/^[a-z_]+(\{[a-z]+="[^"]*"(,[a-z]+="[^"]*")*\})? \d+$/);
  });
});

describe('health server', () => {
  let server: HttpServer | undefined;
  afterEach(async () => server?.close());

  it('answers /healthz, /readyz and /metrics from the probes', async () => {
    let healthy = true;
    let ready = false;
    server = await startHttpServer(
      '127.0.0.1:0',
      { healthy: () => healthy, ready: () => ready, metrics: () => 'x 1\n' },
      pino({ level: 'silent' }),
    );
    const get = async (p: string, method = 'GET') => {
      const r = await fetch(`${server!.url}${p}`, { method });
      return [r.status, await r.text()] as const;
    };
    expect(await get('/healthz')).toEqual([200, 'ok\n']);
    expect((await get('/readyz'))[0]).toBe(503);
    ready = true;
    healthy = false;
    expect((await get('/readyz'))[0]).toBe(200);
    expect((await get('/healthz'))[0]).toBe(503);
    expect(await get('/metrics')).toEqual([200, 'x 1\n']);
    expect((await get('/other'))[0]).toBe(404);
    expect((await get('/metrics', 'POST'))[0]).toBe(405);
  });

  it('parses host:port', () => {
    expect(parseHostPort('0.0.0.0:8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(parseHostPort('[::1]:9')).toEqual({ host: '::1', port: 9 });
    expect(parseHostPort(':8080')).toEqual({ host: '', port: 8080 });
    expect(() => parseHostPort('localhost')).toThrow('host:port');
    expect(() => parseHostPort('h:70000')).toThrow('host:port');
  });
});
