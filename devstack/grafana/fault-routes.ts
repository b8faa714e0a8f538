import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { requireEmulatorAdmin, type EmulatorAdminAuth } from './emulator-admin.js';
import { faultRuleInput, type Faults } from './faults.js';
import { parseJson } from './http-io.js';
import { fail, ok, type Reply } from './responses.js';

export interface FaultAdminRequest {
  method: string;
  /** The rule's id for `/__emulator/faults/<id>`; absent for the collection. */
  id?: string;
  headers: IncomingHttpHeaders;
  bodyText: string;
}

/**
 * `/__emulator/faults` (admin Basic login only): POST adds a rule, GET lists them, DELETE clears all.
 * `DELETE /__emulator/faults/<id>` drops one rule: add the next fault, then drop the current one,
 * and no request slips through fault-free in between.
 */
export function faultAdmin(req: FaultAdminRequest, faults: Faults, auth: EmulatorAdminAuth): Reply {
  requireEmulatorAdmin(req.headers, auth);
  if (req.id !== undefined) {
    if (req.method !== 'DELETE') throw fail(405, 'Method Not Allowed');
    const id = /^[1-9][0-9]*$/.test(req.id) ? Number(req.id) : NaN;
    if (!Number.isSafeInteger(id)) throw fail(400, `invalid fault rule id ${JSON.stringify(req.id)}`);
    if (!faults.remove(id)) throw fail(404, `no fault rule ${id}`);
    return ok({ message: 'Fault removed', id });
  }

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
