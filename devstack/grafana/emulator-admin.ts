import type { IncomingHttpHeaders } from 'node:http';
import { authenticate, type AdminCredentials, type LoginAttempts } from './auth.js';
import { fail } from './responses.js';
import type { Store } from './store.js';

/** What the emulator-only `/__emulator/*` endpoints need to check their caller. */
export interface EmulatorAdminAuth {
  store: Store;
  admin: AdminCredentials;
  attempts: LoginAttempts | undefined;
}

/**
 * Only the admin's Basic login may use `/__emulator/*`: a service-account token
 * is what the code under test holds, and it must not be able to change or read
 * the test's instrumentation.
 */
export function requireEmulatorAdmin(headers: IncomingHttpHeaders, auth: EmulatorAdminAuth): void {
  const scheme = (headers.authorization ?? '').trim().split(/\s+/)[0]?.toLowerCase();
  if (scheme !== 'basic') throw fail(401, 'Unauthorized');
  const identity = authenticate(headers, auth.store, auth.admin, auth.attempts);
  if (identity.kind !== 'user') throw fail(403, 'Permission denied');
}
