import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import type { Reply } from './responses.js';

/**
 * Fault injection (emulator only, never part of Grafana's API): saga tests make
 * chosen requests fail, optionally after the real operation has committed, to
 * prove that activities retry safely and compensations run. Rules live in
 * memory only, so a restart always comes back fault-free.
 */
export const FAULTS_PATH = '/__emulator/faults';

export const faultRuleInput = z.strictObject({
  /** HTTP method to match, or '*' for any. */
  method: z
    .string()
    .regex(/^(\*|[A-Za-z]+)$/, 'must be an HTTP method or "*"')
    .transform((m) => m.toUpperCase()),
  /** Matched against the raw request path (no query string), e.g. "/api/datasources". */
  pathPrefix: z.string().startsWith('/', 'must start with "/"'),
  status: z.int().min(200).max(599),
  /** Only requests whose raw body contains this text, e.g. one uid: tests sharing an emulator fault only their own calls. */
  bodyContains: z.string().min(1).optional(),
  /** How many matching requests to fault; absent means every one. */
  times: z.int().min(1).optional(),
  /** Run the real operation first, then answer with the fault (the effect landed, the caller saw an error). */
  commitFirst: z.boolean().default(false),
  /** Retry-After header value: seconds or an HTTP date. */
  retryAfter: z.union([z.int().min(0).transform(String), z.string().min(1)]).optional(),
  /** Response body: a string is sent as text/plain, anything else as JSON. Default: Grafana-style `{message}`. */
  body: z.json().optional(),
});

export type FaultRuleInput = z.input<typeof faultRuleInput>;

export interface FaultRule {
  id: number;
  method: string;
  pathPrefix: string;
  status: number;
  bodyContains?: string;
  /** Faults left; null means unlimited. */
  remaining: number | null;
  commitFirst: boolean;
  retryAfter?: string;
  body?: z.infer<typeof faultRuleInput>['body'];
  /** Requests this rule has answered so far. */
  hits: number;
}

export class Faults {
  private rules: FaultRule[] = [];
  private nextId = 1;

  add(input: z.output<typeof faultRuleInput>): FaultRule {
    const rule: FaultRule = {
      id: this.nextId++,
      method: input.method,
      pathPrefix: input.pathPrefix,
      status: input.status,
      ...(input.bodyContains !== undefined ? { bodyContains: input.bodyContains } : {}),
      remaining: input.times ?? null,
      commitFirst: input.commitFirst,
      ...(input.retryAfter !== undefined ? { retryAfter: input.retryAfter } : {}),
      ...(input.body !== undefined ? { body: input.body } : {}),
      hits: 0,
    };
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** Drops one rule; false when there is none with that id (already exhausted, or never added). */
  remove(id: number): boolean {
    const n = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < n;
  }

  clear(): number {
    const n = this.rules.length;
    this.rules = [];
    return n;
  }

  /** The first rule matching this request, consumed once; exhausted rules are dropped. */
  take(method: string, path: string, body = ''): FaultRule | undefined {
    const rule = this.rules.find(
      (r) =>
        (r.method === '*' || r.method === method) &&
        path.startsWith(r.pathPrefix) &&
        (r.bodyContains === undefined || body.includes(r.bodyContains)),
    );
    if (!rule) return undefined;
    rule.hits++;
    if (rule.remaining !== null && --rule.remaining === 0) {
      this.rules = this.rules.filter((r) => r !== rule);
    }
    return { ...rule };
  }
}

/** The response a fault stands in for. */
export function faultReply(rule: FaultRule): Reply {
  const extra = rule.retryAfter !== undefined ? { headers: { 'Retry-After': rule.retryAfter } } : {};
  if (typeof rule.body === 'string') return { status: rule.status, body: rule.body, text: true, ...extra };
  const body = rule.body ?? { message: STATUS_CODES[rule.status] ?? `HTTP ${rule.status}`, traceID: '' };
  return { status: rule.status, body, ...extra };
}
