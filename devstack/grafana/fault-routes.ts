import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { requireEmulatorAdmin, type EmulatorAdminAuth } from './emulator-admin.js';
import { faultRuleInput, type Faults } from './faults.js';
import { parseJson } from './http-io.js';
import { fail, ok, type Reply } from './responses.js';

export interface FaultAdminRequest {
  method: string;
  headers: IncomingHttpHeaders;
  bodyText: string;
}

/** `/__emulator/faults` (admin Basic login only): POST adds a rule, GET lists them, DELETE clears all. */
export function faultAdmin(req: FaultAdminRequest, faults: Faults, auth: EmulatorAdminAuth): Reply {
  requireEmulatorAdmin(req.headers, auth);

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
