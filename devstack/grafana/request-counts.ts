import { parseJson } from './http-io.js';
import type { Route } from './router.js';
import type { Store } from './store.js';

/**
 * Request counting (emulator only, never part of Grafana's API): the benchmark
 * asks how many requests Grafana received per stack. Every request to `/api` is
 * counted by route and, where it names one, by data source: `uid:<uid>` (from
 * the path, the body, or a name/id the store resolves) or `name:<name>` when a
 * name does not resolve yet (a lookup before the create). In memory only.
 */
export const REQUESTS_PATH = '/__emulator/requests';

export interface RequestCountSnapshot {
  /** When counting (re)started, ISO 8601. */
  since: string;
  total: number;
  /** "GET /api/datasources/uid/:uid" → count; unmatched paths as "GET (unrouted)". */
  byRoute: Record<string, number>;
  /** "uid:<uid>" or "name:<name>" → count; requests naming no data source are only in byRoute. */
  byDatasource: Record<string, number>;
}

export class RequestCounts {
  private since = new Date();
  private total = 0;
  private byRoute = new Map<string, number>();
  private byDatasource = new Map<string, number>();

  record(method: string, route: Route | undefined, datasource: string | undefined): void {
    this.total++;
    bump(this.byRoute, `${method} ${route?.pattern ?? '(unrouted)'}`);
    if (datasource) bump(this.byDatasource, datasource);
  }

  snapshot(): RequestCountSnapshot {
    return {
      since: this.since.toISOString(),
      total: this.total,
      byRoute: Object.fromEntries(this.byRoute),
      byDatasource: Object.fromEntries(this.byDatasource),
    };
  }

  reset(): RequestCountSnapshot {
    const before = this.snapshot();
    this.since = new Date();
    this.total = 0;
    this.byRoute = new Map();
    this.byDatasource = new Map();
    return before;
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/**
 * The data source a request names, if any. Any org: counting is
 * instrumentation, not access control. Resolve before the request runs (a
 * delete removes what it names) and again after when only a name was found (a
 * create gives the name its uid).
 */
export function datasourceKey(
  route: Route | undefined,
  params: Record<string, string>,
  bodyText: string,
  store: Store,
): string | undefined {
  if (!route?.pattern.startsWith('/api/datasources')) return undefined;
  const all = store.state.datasources;
  if (params.uid) return `uid:${params.uid}`;
  const byName = (name: string) => {
    const ds = all.find((d) => d.name === name);
    return ds ? `uid:${ds.uid}` : `name:${name}`;
  };
  if (params.name) return byName(params.name);
  if (params.id && /^\d+$/.test(params.id)) {
    const ds = all.find((d) => d.id === Number(params.id));
    return ds ? `uid:${ds.uid}` : undefined;
  }
  const body = parseJson(bodyText);
  if (body && typeof body === 'object') {
    const { uid, name } = body as { uid?: unknown; name?: unknown };
    if (typeof uid === 'string' && uid !== '') return `uid:${uid}`;
    if (typeof name === 'string' && name !== '') return byName(name);
  }
  return undefined;
}
