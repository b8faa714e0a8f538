import type { IncomingHttpHeaders } from 'node:http';
import type { Identity } from './auth.js';
import type { Reply } from './responses.js';

/** What a handler sees: the matched path params, the caller (org-bound) and the raw body. */
export interface RequestContext {
  method: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  identity: Identity;
  bodyText: string;
}

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;

export interface Route {
  /** HTTP methods, or '*' for Grafana's "any method" routes. */
  methods: readonly string[] | '*';
  pattern: string;
  /** RBAC action checked before the handler (after authentication). */
  permission?: string;
  handler: Handler;
}

/**
 * First route whose pattern and method match. Routes are listed with static
 * segments before parameters (`/uid/:uid` before `/:id`), as Grafana's router
 * prefers them.
 */
export function matchRoute(
  routes: readonly Route[],
  method: string,
  segments: readonly string[],
): { route: Route; params: Record<string, string> } | undefined {
  for (const route of routes) {
    if (route.methods !== '*' && !route.methods.includes(method)) continue;
    const params = matchPattern(route.pattern, segments);
    if (params) return { route, params };
  }
  return undefined;
}

function matchPattern(pattern: string, segments: readonly string[]): Record<string, string> | undefined {
  const parts = pattern.split('/').filter(Boolean);
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const seg = segments[i] ?? '';
    if (part.startsWith(':')) {
      if (seg === '') return undefined;
      params[part.slice(1)] = seg;
    } else if (part !== seg) return undefined;
  }
  return params;
}

/**
 * Splits a URL path into segments after decoding it as a whole, as Go's
 * server does (an encoded "/" in a name becomes a separator, so such names are
 * not addressable by path). Undefined when an escape is malformed.
 */
export function pathSegments(pathname: string): string[] | undefined {
  try {
    return decodeURIComponent(pathname).split('/').filter(Boolean);
  } catch {
    return undefined;
  }
}
