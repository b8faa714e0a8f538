import type { IncomingHttpHeaders } from 'node:http';
import { requireEmulatorAdmin, type EmulatorAdminAuth } from './emulator-admin.js';
import type { RequestCounts } from './request-counts.js';
import { fail, ok, type Reply } from './responses.js';

/** `/__emulator/requests` (admin Basic login only): GET reads the counts, DELETE reads and resets them. */
export function requestCountAdmin(
  req: { method: string; headers: IncomingHttpHeaders },
  counts: RequestCounts,
  auth: EmulatorAdminAuth,
): Reply {
  requireEmulatorAdmin(req.headers, auth);
  switch (req.method) {
    case 'GET':
      return ok(counts.snapshot());
    case 'DELETE':
      return ok(counts.reset());
    default:
      throw fail(405, 'Method Not Allowed');
  }
}
