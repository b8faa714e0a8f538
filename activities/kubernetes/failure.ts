import { asyncLocalStorage } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { z } from 'zod';
import { httpFailure } from '../errors.js';

// client-node 1.x throws ApiException { code, body, headers } for HTTP errors,
// with body the response text (a Kubernetes Status) or undefined for some
// statuses; anything else (FetchError, AbortError) never reached an answer.

const StatusBodySchema = z.object({ message: z.string().min(1) });
const ApiExceptionShape = z.object({
  code: z.number(),
  body: z.unknown(),
  headers: z.record(z.string(), z.unknown()).optional(),
  message: z.string().optional(),
});

export function isNotFound(err: unknown): boolean {
  return ApiExceptionShape.safeParse(err).data?.code === 404;
}

/** The apiserver's own explanation: Status.message, else the raw body, else client-node's summary. */
function serverMessage(body: unknown, fallback: string | undefined): string {
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
  return fallback?.match(/^Message: (.*)$/m)?.[1] ?? 'no message';
}

/** Classifies any error of a Kubernetes call through the shared HTTP rule (activities/errors.ts). */
export function kubernetesFailure(
  operation: string,
  err: unknown,
  alsoRetryable?: number[],
): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const api = ApiExceptionShape.safeParse(err);
  if (api.success) {
    const retryAfter = api.data.headers?.['retry-after'];
    return httpFailure({
      system: 'kubernetes',
      operation,
      status: api.data.code,
      message: serverMessage(api.data.body, api.data.message),
      retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
      ...(alsoRetryable && { alsoRetryable }),
    });
  }
  const e = err instanceof Error ? err : new Error(String(err));
  const message =
    e.name === 'AbortError' ? `request aborted (timeout or cancellation): ${e.message}` : e.message;
  return httpFailure({ system: 'kubernetes', operation, message });
}

/**
 * What an activity throws for a failed call: the classified failure, or, when
 * Temporal cancelled the activity (which aborts its requests), the
 * cancellation itself, so the worker reports it as cancelled, not failed.
 */
export function failure(operation: string, err: unknown, alsoRetryable?: number[]): Error {
  const cancelled = asyncLocalStorage.getStore()?.cancellationSignal;
  if (cancelled?.aborted)
    return cancelled.reason instanceof Error ? cancelled.reason : new CancelledFailure('cancelled');
  return kubernetesFailure(operation, err, alsoRetryable);
}

/** Runs one API call, turning any failure into one that names the operation. */
export async function call<T>(operation: string, fn: () => Promise<T>, alsoRetryable?: number[]): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw failure(operation, err, alsoRetryable);
  }
}

/** A failure no retry can fix that is not an HTTP answer, e.g. an object owned by someone else. */
export function nonRetryable(message: string, type: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type, nonRetryable: true });
}

/** Parses the part of an apiserver response an activity relies on; a mismatch is a bug no retry fixes. */
export function parseResponse<T extends z.ZodType>(
  schema: T,
  value: unknown,
  operation: string,
): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw nonRetryable(
      `${operation}: unexpected response: ${z.prettifyError(r.error)}`,
      'KubernetesBadResponse',
    );
  }
  return r.data;
}
