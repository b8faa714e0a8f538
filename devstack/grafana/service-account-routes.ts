import crypto from 'node:crypto';
import { z } from 'zod';
import { foldKeys, parseJson } from './http-io.js';
import { generateUid, serviceAccountLogin } from './ids.js';
import { roleAtMost } from './rbac.js';
import { fail, failCoded, ok, type Reply } from './responses.js';
import type { RequestContext, Route } from './router.js';
import { ROLES, type Role, type ServiceAccountRecord, type TokenRecord } from './state.js';
import type { Store } from './store.js';
import { generateToken, hashToken } from './token.js';

/** /api/serviceaccounts: enough of spec §4 for the token bootstrap and for role-limited test callers. */

const badRequest = () => fail(400, 'Bad request data', true);
const alreadyExists = () =>
  failCoded(400, 'service account already exists', 'serviceaccounts.ErrAlreadyExists');
const saNotFound = () => failCoded(404, 'service account not found', 'serviceaccounts.ErrNotFound');

const createBody = z.object({
  name: z.string().min(1),
  role: z.string().nullish(),
  isDisabled: z.boolean().nullish(),
});
const patchBody = z.object({
  name: z.string().nullish(),
  role: z.string().nullish(),
  isDisabled: z.boolean().nullish(),
});
const tokenBody = z.object({ name: z.string().min(1), secondsToLive: z.number().int().nullish() });

function parse<T extends z.ZodType>(schema: T, text: string, fields: string[]): z.infer<T> {
  const parsed = schema.safeParse(foldKeys(parseJson(text), fields));
  if (!parsed.success) throw badRequest();
  return parsed.data;
}

export function serviceAccountRoutes(store: Store): Route[] {
  const sas = (orgId: number) => store.state.serviceAccounts.filter((s) => s.orgId === orgId);
  const tokensOf = (sa: ServiceAccountRecord) =>
    store.state.tokens.filter((t) => t.serviceAccountId === sa.id);
  const locate = (ctx: RequestContext): ServiceAccountRecord => {
    const raw = ctx.params.id ?? '';
    if (!/^\d+$/.test(raw)) throw fail(400, 'Service Account ID is invalid');
    const sa = sas(ctx.identity.orgId).find((s) => s.id === Number(raw));
    if (!sa) throw saNotFound();
    return sa;
  };
  const nameTaken = (orgId: number, name: string, except?: ServiceAccountRecord) =>
    sas(orgId).some(
      (s) =>
        s !== except &&
        (s.name.toLowerCase() === name.toLowerCase() || s.login === serviceAccountLogin(orgId, name)),
    );
  const checkRole = (ctx: RequestContext, raw: string | null | undefined): Role | undefined => {
    if (raw === undefined || raw === null || raw === '') return undefined;
    const role = ROLES.find((r) => r === raw);
    if (!role) throw failCoded(400, 'invalid role specified', 'serviceaccounts.ErrInvalidRoleSpecified');
    if (!roleAtMost(role, ctx.identity.role)) {
      throw failCoded(
        403,
        "can not assign a role higher than user's role",
        'serviceaccounts.ErrRoleForbidden',
      );
    }
    return role;
  };
  const dto = (sa: ServiceAccountRecord) => ({
    id: sa.id,
    uid: sa.uid,
    name: sa.name,
    login: sa.login,
    orgId: sa.orgId,
    isDisabled: sa.isDisabled,
    role: sa.role,
    tokens: tokensOf(sa).length,
    avatarUrl: `/avatar/${crypto.createHash('md5').update(sa.login).digest('hex')}`,
  });
  const profile = (sa: ServiceAccountRecord) => ({
    ...dto(sa),
    createdAt: sa.created,
    updatedAt: sa.updated,
    teams: [],
    isExternal: false,
    requiredBy: '',
  });

  const create = (ctx: RequestContext): Reply => {
    const body = parse(createBody, ctx.bodyText, ['name', 'role', 'isDisabled']);
    const orgId = ctx.identity.orgId;
    const role = checkRole(ctx, body.role) ?? 'Viewer';
    if (nameTaken(orgId, body.name)) throw alreadyExists();
    const now = new Date().toISOString();
    const sa: ServiceAccountRecord = {
      id: store.nextId('user'),
      uid: generateUid(),
      orgId,
      name: body.name,
      login: serviceAccountLogin(orgId, body.name),
      role,
      isDisabled: body.isDisabled ?? false,
      created: now,
      updated: now,
    };
    store.state.serviceAccounts.push(sa);
    store.persist();
    return ok(dto(sa), 201);
  };

  const search = (ctx: RequestContext): Reply => {
    const query = (ctx.query.get('query') ?? '').toLowerCase();
    const perPage = positiveInt(ctx.query.get('perpage'), 1000);
    const page = positiveInt(ctx.query.get('page'), 1);
    const matches = sas(ctx.identity.orgId)
      .filter((s) => s.name.toLowerCase().includes(query) || s.login.includes(query))
      .sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1));
    const items = matches.slice((page - 1) * perPage, page * perPage).map(dto);
    return ok({ totalCount: matches.length, serviceAccounts: items, page, perPage });
  };

  const patch = (ctx: RequestContext): Reply => {
    const sa = locate(ctx);
    const body = parse(patchBody, ctx.bodyText, ['name', 'role', 'isDisabled']);
    const role = checkRole(ctx, body.role);
    if (body.name && nameTaken(sa.orgId, body.name, sa)) throw alreadyExists();
    if (body.name) sa.name = body.name;
    if (role) sa.role = role;
    if (typeof body.isDisabled === 'boolean') sa.isDisabled = body.isDisabled;
    sa.updated = new Date().toISOString();
    store.persist();
    return ok({ message: 'Service account updated', id: sa.id, name: sa.name, serviceaccount: profile(sa) });
  };

  const removeSa = (ctx: RequestContext): Reply => {
    const sa = locate(ctx);
    store.state.serviceAccounts = store.state.serviceAccounts.filter((s) => s !== sa);
    store.state.tokens = store.state.tokens.filter((t) => t.serviceAccountId !== sa.id);
    store.persist();
    return ok({ message: 'Service account deleted' });
  };

  const listTokens = (ctx: RequestContext): Reply => ok(tokensOf(locate(ctx)).map(tokenDto));

  const createToken = (ctx: RequestContext): Reply => {
    const sa = locate(ctx);
    const body = parse(tokenBody, ctx.bodyText, ['name', 'secondsToLive']);
    // Token names are unique per org, not per service account.
    if (store.state.tokens.some((t) => t.orgId === sa.orgId && t.name === body.name)) {
      throw failCoded(
        400,
        'service account token with given name already exists in the organization',
        'serviceaccounts.ErrTokenAlreadyExists',
      );
    }
    const key = generateToken();
    const seconds = body.secondsToLive ?? 0;
    const now = Date.now();
    const token: TokenRecord = {
      id: store.nextId('token'),
      orgId: sa.orgId,
      serviceAccountId: sa.id,
      name: body.name,
      hash: hashToken(key),
      created: new Date(now).toISOString(),
      expires: seconds > 0 ? new Date(now + seconds * 1000).toISOString() : null,
      lastUsedAt: null,
      isRevoked: false,
    };
    store.state.tokens.push(token);
    store.persist();
    return ok({ id: token.id, name: token.name, key });
  };

  const deleteToken = (ctx: RequestContext): Reply => {
    const sa = locate(ctx);
    const raw = ctx.params.tokenId ?? '';
    if (!/^\d+$/.test(raw)) throw fail(400, 'Token ID is invalid');
    const token = tokensOf(sa).find((t) => t.id === Number(raw));
    if (!token) throw failCoded(404, 'service account token not found', 'serviceaccounts.ErrTokenNotFound');
    // Deleting removes the row: the key then fails as unknown ("Invalid API key"), not as revoked.
    store.state.tokens = store.state.tokens.filter((t) => t !== token);
    store.persist();
    return ok({ message: 'Service account token deleted' });
  };

  const base = '/api/serviceaccounts';
  return [
    { methods: ['POST'], pattern: base, permission: 'serviceaccounts:create', handler: create },
    { methods: ['GET'], pattern: `${base}/search`, permission: 'serviceaccounts:read', handler: search },
    {
      methods: ['GET'],
      pattern: `${base}/:id`,
      permission: 'serviceaccounts:read',
      handler: (ctx) => ok(profile(locate(ctx))),
    },
    { methods: ['PATCH'], pattern: `${base}/:id`, permission: 'serviceaccounts:write', handler: patch },
    { methods: ['DELETE'], pattern: `${base}/:id`, permission: 'serviceaccounts:delete', handler: removeSa },
    {
      methods: ['GET'],
      pattern: `${base}/:id/tokens`,
      permission: 'serviceaccounts:read',
      handler: listTokens,
    },
    {
      methods: ['POST'],
      pattern: `${base}/:id/tokens`,
      permission: 'serviceaccounts:write',
      handler: createToken,
    },
    {
      methods: ['DELETE'],
      pattern: `${base}/:id/tokens/:tokenId`,
      permission: 'serviceaccounts:write',
      handler: deleteToken,
    },
  ];
}

function tokenDto(t: TokenRecord) {
  const expiresAt = t.expires === null ? null : Date.parse(t.expires);
  return {
    id: t.id,
    name: t.name,
    created: t.created,
    lastUsedAt: t.lastUsedAt,
    expiration: t.expires,
    secondsUntilExpiration: expiresAt === null ? 0 : Math.max(0, Math.floor((expiresAt - Date.now()) / 1000)),
    hasExpired: expiresAt !== null && expiresAt <= Date.now(),
    isRevoked: t.isRevoked,
  };
}

function positiveInt(raw: string | null, fallback: number): number {
  const n = Number(raw);
  return raw !== null && Number.isInteger(n) && n > 0 ? n : fallback;
}
