import { datasourceAccessControl } from './rbac.js';
import { createCommand, parseCommand, updateCommand } from './datasource-commands.js';
import { fullDto, listItem } from './datasource-dto.js';
import { grafanaUrlError } from './go-url.js';
import { generateUid, isValidUid } from './ids.js';
import { canonicalType, requiresUrl } from './plugins.js';
import { badRequestData, fail, failCoded, ok, type Reply } from './responses.js';
import type { RequestContext, Route } from './router.js';
import type { DatasourceRecord } from './state.js';
import type { Store } from './store.js';

/** /api/datasources CRUD with Grafana's messages, status codes and check order (spec §2). */

const DATASOURCE_LIMIT = 5000;
const notFound = () => fail(404, 'Data source not found');
const invalidUrl = () => fail(400, 'Validation error, invalid URL', true);

export function datasourceRoutes(store: Store): Route[] {
  const org = (ctx: RequestContext) => ctx.identity.orgId;
  const byUid = (ctx: RequestContext) => store.dsByUid(org(ctx), ctx.params.uid ?? '');
  const byName = (ctx: RequestContext) => store.dsByName(org(ctx), ctx.params.name ?? '');
  const byId = (ctx: RequestContext) => store.dsById(org(ctx), parseId(ctx.params.id));
  const found = (ds: DatasourceRecord | undefined) => {
    if (!ds) throw notFound();
    return ds;
  };
  const single = (ctx: RequestContext, ds: DatasourceRecord | undefined, withAccessControl = true): Reply => {
    const acl = withAccessControl && ctx.query.get('accesscontrol') === 'true';
    return ok(fullDto(found(ds), acl ? datasourceAccessControl(ctx.identity) : undefined));
  };
  const R = 'datasources:read';
  const W = 'datasources:write';
  const D = 'datasources:delete';
  return [
    { methods: ['GET'], pattern: '/api/datasources', permission: R, handler: (ctx) => list(store, org(ctx)) },
    {
      methods: ['POST'],
      pattern: '/api/datasources',
      permission: 'datasources:create',
      handler: (ctx) => create(store, ctx),
    },
    {
      methods: ['GET'],
      pattern: '/api/datasources/uid/:uid',
      permission: R,
      handler: (ctx) => single(ctx, byUid(ctx)),
    },
    {
      methods: ['GET'],
      pattern: '/api/datasources/name/:name',
      permission: R,
      handler: (ctx) => single(ctx, byName(ctx), false),
    },
    {
      methods: ['GET'],
      pattern: '/api/datasources/id/:name',
      permission: R,
      handler: (ctx) => ok({ id: found(byName(ctx)).id }),
    },
    {
      methods: ['GET'],
      pattern: '/api/datasources/:id',
      permission: R,
      handler: (ctx) => single(ctx, byId(ctx)),
    },
    {
      methods: ['PUT'],
      pattern: '/api/datasources/uid/:uid',
      permission: W,
      handler: (ctx) => update(store, ctx, () => byUid(ctx)),
    },
    {
      methods: ['PUT'],
      pattern: '/api/datasources/:id',
      permission: W,
      handler: (ctx) => update(store, ctx, () => byId(ctx)),
    },
    {
      methods: ['DELETE'],
      pattern: '/api/datasources/uid/:uid',
      permission: D,
      handler: (ctx) => remove(store, found(byUid(ctx)), true),
    },
    {
      methods: ['DELETE'],
      pattern: '/api/datasources/name/:name',
      permission: D,
      handler: (ctx) => remove(store, found(byName(ctx)), true),
    },
    {
      methods: ['DELETE'],
      pattern: '/api/datasources/:id',
      permission: D,
      handler: (ctx) => {
        if (parseId(ctx.params.id) <= 0) throw fail(400, 'Missing valid datasource id');
        return remove(store, found(byId(ctx)), false);
      },
    },
  ];
}

/** Deprecated numeric-id routes: a non-integer id is a 400 before anything else happens. */
function parseId(raw: string | undefined): number {
  if (raw === undefined || !/^[+-]?\d+$/.test(raw)) throw fail(400, 'id is invalid');
  return Number(raw);
}

function list(store: Store, orgId: number): Reply {
  const sorted = store
    .datasources(orgId)
    .sort((a, b) => compareText(a.name.toLowerCase(), b.name.toLowerCase()));
  return ok(sorted.slice(0, DATASOURCE_LIMIT).map(listItem));
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function create(store: Store, ctx: RequestContext): Reply {
  const cmd = parseCommand(createCommand, ctx.bodyText);
  if (cmd.type === '' || cmd.access === '') throw badRequestData();
  if (cmd.url !== '' && grafanaUrlError(cmd.url) !== null) throw invalidUrl();
  const orgId = ctx.identity.orgId;
  const type = canonicalType(cmd.type);
  const name = cmd.name !== '' ? cmd.name : availableName(store, orgId, type);
  validateFields(name, cmd.url);
  if (store.dsByName(orgId, name)) throw fail(409, 'data source with the same name already exists', true);
  const uid = cmd.uid !== '' ? cmd.uid : freshUid(store, orgId);
  if (!isValidUid(uid)) throw failCoded(400, 'Invalid datasource UID.', 'datasource.uidInvalid');
  if (store.dsByUid(orgId, uid)) throw fail(409, 'data source with the same uid already exists', true);

  const now = new Date().toISOString();
  const ds: DatasourceRecord = {
    id: store.nextId('datasource'),
    orgId,
    uid,
    name,
    type,
    access: cmd.access,
    url: cmd.url,
    user: cmd.user,
    database: cmd.database,
    basicAuth: cmd.basicAuth,
    basicAuthUser: cmd.basicAuthUser,
    withCredentials: cmd.withCredentials,
    // The org's first data source becomes its default.
    isDefault: cmd.isDefault || store.datasources(orgId).length === 0,
    jsonData: cmd.jsonData ?? {},
    secureJsonData: mergeSecrets({}, cmd.secureJsonData),
    readOnly: false,
    version: 1,
    created: now,
    updated: now,
  };
  if (ds.isDefault) clearOtherDefaults(store, ds);
  store.state.datasources.push(ds);
  store.persist();
  return ok({ message: 'Datasource added', id: ds.id, name: ds.name, datasource: fullDto(ds) });
}

function update(store: Store, ctx: RequestContext, locate: () => DatasourceRecord | undefined): Reply {
  const cmd = parseCommand(updateCommand, ctx.bodyText);
  if (cmd.name === '' || cmd.type === '' || cmd.access === '') throw badRequestData();
  if (cmd.url === '' ? requiresUrl(cmd.type) : grafanaUrlError(cmd.url) !== null) throw invalidUrl();
  const ds = locate();
  if (!ds) throw notFound();
  if (ds.readOnly) throw fail(403, 'Cannot update read-only data source');
  validateFields(cmd.name, cmd.url);
  if (cmd.uid !== '' && !isValidUid(cmd.uid)) {
    throw failCoded(400, 'Invalid datasource UID.', 'datasource.uidInvalid');
  }
  if (cmd.name !== ds.name && store.dsByName(ds.orgId, cmd.name)) {
    throw fail(409, 'Failed to update datasource: data source with the same name already exists', true);
  }
  // Optimistic locking: a positive version must not be older than the stored one.
  if (cmd.version > 0 && ds.version > cmd.version) {
    throw fail(409, 'Datasource has already been updated by someone else. Please reload and try again', true);
  }
  if (cmd.uid !== '' && cmd.uid !== ds.uid && store.dsByUid(ds.orgId, cmd.uid)) {
    throw fail(500, 'Failed to update datasource', true);
  }

  Object.assign(ds, {
    name: cmd.name,
    type: canonicalType(cmd.type),
    access: cmd.access,
    user: cmd.user,
    database: cmd.database,
    basicAuth: cmd.basicAuth,
    withCredentials: cmd.withCredentials,
    isDefault: cmd.isDefault,
    jsonData: cmd.jsonData ?? {},
    secureJsonData: mergeSecrets(ds.secureJsonData, cmd.secureJsonData),
    version: Math.max(cmd.version, 0) + 1,
    updated: new Date().toISOString(),
    // Zero values are skipped by Grafana's ORM, so these keep their stored value when empty.
    ...(cmd.url !== '' ? { url: cmd.url } : {}),
    ...(cmd.basicAuthUser !== '' ? { basicAuthUser: cmd.basicAuthUser } : {}),
    ...(cmd.uid !== '' ? { uid: cmd.uid } : {}),
  });
  if (ds.isDefault) clearOtherDefaults(store, ds);
  store.persist();
  return ok({ message: 'Datasource updated', id: ds.id, name: ds.name, datasource: fullDto(ds) });
}

function remove(store: Store, ds: DatasourceRecord, withId: boolean): Reply {
  if (ds.readOnly) throw fail(403, 'Cannot delete read-only data source');
  store.removeDatasource(ds);
  store.persist();
  return ok(withId ? { message: 'Data source deleted', id: ds.id } : { message: 'Data source deleted' });
}

/** Length limits are in bytes, checked by the data source service on create and update. */
function validateFields(name: string, url: string): void {
  if (Buffer.byteLength(name) > 190)
    throw failCoded(400, 'Invalid datasource name.', 'datasource.nameInvalid');
  if (Buffer.byteLength(url) > 255) throw failCoded(400, 'Invalid datasource url.', 'datasource.urlInvalid');
}

/** `<type>`, then `<type>-1`, `<type>-2`…, compared case-insensitively. */
function availableName(store: Store, orgId: number, type: string): string {
  const taken = new Set(store.datasources(orgId).map((d) => d.name.toLowerCase()));
  let name = type;
  for (let i = 1; taken.has(name.toLowerCase()); i++) name = `${type}-${i}`;
  return name;
}

function freshUid(store: Store, orgId: number): string {
  for (let attempt = 0; attempt < 3; attempt++) {
    const uid = generateUid();
    if (!store.dsByUid(orgId, uid)) return uid;
  }
  throw fail(500, 'Failed to add datasource', true);
}

/** Body keys replace stored secrets; "" removes one; absent keys (or a null map) keep theirs. */
function mergeSecrets(stored: Record<string, string>, incoming: Record<string, string> | null | undefined) {
  const merged = { ...stored, ...incoming };
  return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== ''));
}

function clearOtherDefaults(store: Store, keep: DatasourceRecord): void {
  for (const d of store.datasources(keep.orgId)) if (d !== keep) d.isDefault = false;
}
