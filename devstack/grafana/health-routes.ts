import { checkPrometheus } from './health-check.js';
import { UID_CHARS } from './ids.js';
import { fail, ok, type Reply } from './responses.js';
import type { Route } from './router.js';
import type { DatasourceRecord } from './state.js';
import type { Store } from './store.js';

/** `ANY /api/datasources/uid/:uid/health` and the deprecated `/:id/health` (spec §3.1). */
export function healthRoutes(store: Store, defaultTimeoutMs: number): Route[] {
  const unableToLoad = () => fail(500, 'Unable to load datasource metadata', true);
  const Q = 'datasources:query';
  return [
    {
      methods: '*',
      pattern: '/api/datasources/uid/:uid/health',
      permission: Q,
      handler: (ctx) => {
        const uid = ctx.params.uid ?? '';
        if (!UID_CHARS.test(uid)) throw fail(400, 'UID is invalid');
        const ds = store.dsByUid(ctx.identity.orgId, uid);
        if (!ds) throw unableToLoad();
        return check(ds, defaultTimeoutMs);
      },
    },
    {
      methods: '*',
      pattern: '/api/datasources/:id/health',
      permission: Q,
      handler: (ctx) => {
        const raw = ctx.params.id ?? '';
        if (!/^[+-]?\d+$/.test(raw)) throw fail(400, 'id is invalid');
        const ds = store.dsById(ctx.identity.orgId, Number(raw));
        if (!ds) throw unableToLoad();
        return check(ds, defaultTimeoutMs);
      },
    },
  ];
}

async function check(ds: DatasourceRecord, defaultTimeoutMs: number): Promise<Reply> {
  switch (ds.type) {
    case 'prometheus': {
      const result = await checkPrometheus(ds, defaultTimeoutMs);
      return ok(result, result.status === 'OK' ? 200 : 400);
    }
    case 'grafana-testdata-datasource':
      return ok({ status: 'OK', message: 'Data source is working' });
    default:
      // Only the Prometheus backend is emulated; other plugins count as not installed.
      throw fail(404, 'Plugin not found');
  }
}
