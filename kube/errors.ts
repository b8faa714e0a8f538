import { z } from 'zod';

// client-node 1.x throws ApiException { code, body, headers } for HTTP errors,
// with body the response text (a Kubernetes Status) or undefined for some
// statuses; a watch that fails reports { statusCode }; anything else
// (FetchError, AbortError) never reached an answer.

/** HTTP status of a failed Kubernetes call; undefined when there was no answer. */
export function httpStatus(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown } | null;
  const c = typeof e?.code === 'number' ? e.code : e?.statusCode;
  return typeof c === 'number' ? c : undefined;
}

export const isNotFound = (err: unknown): boolean => httpStatus(err) === 404;
export const isConflict = (err: unknown): boolean => httpStatus(err) === 409;

const StatusBodySchema = z.object({ message: z.string().min(1) });

/** The apiserver's own explanation of an HTTP error: Status.message, else the raw body, else client-node's summary. */
export function kubeErrorMessage(err: unknown): string {
  const { body, message } = (err ?? {}) as { body?: unknown; message?: unknown };
  const fallback = typeof message === 'string' ? message : undefined;
  if (typeof body === 'string' && body.trim() !== '') {
    try {
      const status = StatusBodySchema.safeParse(JSON.parse(body));
      if (status.success) return status.data.message;
    } catch {
      // Not JSON (e.g. a proxy's error page): quote it as is.
    }
    return body.trim().slice(0, 1000);
  }
  const parsed = StatusBodySchema.safeParse(body);
  if (parsed.success) return parsed.data.message;
  // client-node's summary is "HTTP-Code: 404\nMessage: …\nBody: …".
  return fallback?.match(/^Message: (.*)$/m)?.[1] ?? 'no message';
}

/** The Retry-After header of a failed call, if it carried one. */
export function retryAfterHeader(err: unknown): string | undefined {
  const h = (err as { headers?: Record<string, unknown> } | null)?.headers?.['retry-after'];
  return typeof h === 'string' ? h : undefined;
}
