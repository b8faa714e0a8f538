import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { fail, failCoded } from './responses.js';
import type { Role } from './state.js';
import type { Store } from './store.js';
import { hashToken, isWellFormedToken } from './token.js';

/** Who is calling, already bound to the org the request acts in. */
export type Identity =
  | { kind: 'user'; login: string; orgId: number; role: Role }
  | { kind: 'service-account'; serviceAccountId: number; tokenId: number; orgId: number; role: Role };

export interface AdminCredentials {
  user: string;
  password: string;
}

const invalidPassword = () => failCoded(401, 'Invalid username or password', 'password-auth.failed');
const invalidKey = () => failCoded(401, 'Invalid API key', 'api-key.invalid');
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Brute-force protection as in Grafana's default config: 5 failed logins for a
 * username within 5 minutes block it (even with the right password) until the
 * window passes; a successful login clears the count.
 */
export class LoginAttempts {
  private readonly failures = new Map<string, number[]>();
  constructor(
    private readonly limit = 5,
    private readonly windowMs = 5 * 60_000,
  ) {}

  blocked(login: string, now = Date.now()): boolean {
    const recent = (this.failures.get(login) ?? []).filter((t) => now - t < this.windowMs);
    this.failures.set(login, recent);
    return recent.length >= this.limit;
  }
  fail(login: string, now = Date.now()): void {
    this.failures.set(login, [...(this.failures.get(login) ?? []), now]);
  }
  reset(login: string): void {
    this.failures.delete(login);
  }
}

/** `X-Grafana-Org-Id`, or undefined when absent or not a positive integer (Grafana ignores those). */
export function requestedOrg(headers: IncomingHttpHeaders): number | undefined {
  const raw = headers['x-grafana-org-id'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  const org = Number(value.trim());
  return org > 0 ? org : undefined;
}

export function authenticate(
  headers: IncomingHttpHeaders,
  store: Store,
  admin: AdminCredentials,
  attempts: LoginAttempts | undefined,
): Identity {
  const header = headers.authorization ?? '';
  const [scheme = '', ...rest] = header.trim().split(/\s+/);
  const credential = rest.join(' ');
  const org = requestedOrg(headers);
  if (scheme.toLowerCase() === 'bearer' && credential) return tokenIdentity(credential, org, store);
  if (scheme.toLowerCase() !== 'basic' || !credential) throw fail(401, 'Unauthorized');

  const decoded = Buffer.from(credential, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw failCoded(401, 'Invalid Basic Auth Header', 'basic-auth.invalid-header');
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (user === 'api_key') return tokenIdentity(password, org, store);
  return passwordIdentity(user, password, org, store, admin, attempts);
}

function passwordIdentity(
  user: string,
  password: string,
  org: number | undefined,
  store: Store,
  admin: AdminCredentials,
  attempts: LoginAttempts | undefined,
): Identity {
  const login = user.toLowerCase(); // logins are case-insensitive by default
  if (attempts?.blocked(login)) throw failCoded(401, 'Invalid username or password', 'login-attempt.blocked');
  if (login !== admin.user.toLowerCase() || !sameSecret(password, admin.password)) {
    attempts?.fail(login);
    throw invalidPassword();
  }
  attempts?.reset(login);
  // The admin belongs to every org in the emulator; an unknown org is not addressable.
  const orgId = org ?? 1;
  if (!store.hasOrg(orgId)) throw fail(403, 'Permission denied');
  return { kind: 'user', login: admin.user, orgId, role: 'Admin' };
}

function tokenIdentity(key: string, org: number | undefined, store: Store): Identity {
  if (!isWellFormedToken(key)) throw invalidKey();
  const hash = hashToken(key);
  const token = store.state.tokens.find((t) => t.hash === hash);
  if (!token) throw invalidKey();
  if (token.expires !== null && Date.parse(token.expires) <= Date.now()) {
    throw failCoded(401, 'Expired API key', 'api-key.expired');
  }
  if (token.isRevoked) throw failCoded(401, 'Revoked API key', 'api-key.revoked');
  const sa = store.state.serviceAccounts.find((s) => s.id === token.serviceAccountId);
  if (!sa || sa.isDisabled) throw invalidKey();
  if (org !== undefined && org !== token.orgId) {
    throw failCoded(
      401,
      'API key does not belong to the requested organization',
      'api-key.organization-mismatch',
    );
  }
  // Grafana records last use coarsely; persisting on every request would be needless churn.
  const now = Date.now();
  if (token.lastUsedAt === null || now - Date.parse(token.lastUsedAt) > LAST_USED_RESOLUTION_MS) {
    token.lastUsedAt = new Date(now).toISOString();
    store.persist();
  }
  return {
    kind: 'service-account',
    serviceAccountId: sa.id,
    tokenId: token.id,
    orgId: token.orgId,
    role: sa.role,
  };
}

function sameSecret(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}
