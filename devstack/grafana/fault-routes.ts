import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { authenticate, type AdminCredentials, type LoginAttempts } from './auth.js';
import { faultRuleInput, type Faults } from './faults.js';
import { parseJson } from './http-io.js';
import { fail, ok, type Reply } from './responses.js';
import type { Store } from './store.js';

export interface FaultAdminRequest {
  method: string;
  headers: IncomingHttpHeaders;
  bodyText: string;
}

/**
 * `/__emulator/faults`: POST adds a rule, GET lists them, DELETE clears all.
 * Only the admin's Basic login may use it: a service-account token is what the
 * code under test holds, and it must not be able to change the test's faults.
 */
export function faultAdmin(
  req: FaultAdminRequest,
  faults: Faults,
  auth: { store: Store; admin: AdminCredentials; attempts: LoginAttempts | undefined },
): Reply {
  const scheme = (req.headers.authorization ?? '').trim().split(/\s+/)[0]?.toLowerCase();
  if (scheme !== 'basic') throw fail(401, 'Unauthorized');
  const identity = authenticate(req.headers, auth.store, auth.admin, auth.attempts);
  if (identity.kind !== 'user') throw fail(403, 'Permission denied');

  switch (req.method) {
    case 'GET':
      return ok(faults.list());
    case 'DELETE':
      return ok({ message: 'Faults cleared', cleared: faults.clear() });
    case 'POST': {
      const parsed = faultRuleInput.safeParse(parseJson(req.bodyText));
      if (!parsed.success) throw fail(400, `invalid fault rule\n${z.prettifyError(parsed.error)}`);
      return ok(faults.add(parsed.data));
    }
    default:
      throw fail(405, 'Method Not Allowed');
  }
}
