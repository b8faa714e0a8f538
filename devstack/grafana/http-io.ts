import type { IncomingMessage, ServerResponse } from 'node:http';
import { fail, type Reply } from './responses.js';

const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Reads the raw request body (bounded, so a runaway client cannot exhaust memory). */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw fail(413, 'Request Entity Too Large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON body; undefined when it is empty or malformed (callers map that to their 400). */
export function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Go's encoding/json matches struct fields case-insensitively when there is no
 * exact match; Grafana's commands inherit that, so `{"Name":"x"}` sets name.
 */
export function foldKeys(body: unknown, fields: readonly string[]): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    // Later keys win, as with Go's decoder.
    const field = fields.includes(k) ? k : fields.find((f) => f.toLowerCase() === k.toLowerCase());
    out[field ?? k] = v;
  }
  return out;
}

// Grafana's API responses carry these hardening headers; clients must not depend on them.
const BASE_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'deny',
};

export function send(res: ServerResponse, reply: Reply, headOnly = false): void {
  const payload = reply.text ? String(reply.body) : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    ...BASE_HEADERS,
    'Content-Type': reply.text ? 'text/plain; charset=utf-8' : 'application/json',
    'Content-Length': Buffer.byteLength(payload),
    ...reply.headers,
  });
  res.end(headOnly ? undefined : payload);
}
