import { asyncLocalStorage } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { z } from 'zod';
import { httpStatus, kubeErrorMessage, retryAfterHeader } from '../../kube/errors.js';
import { httpFailure } from '../errors.js';

/** Classifies any error of a Kubernetes call through the shared HTTP rule (activities/errors.ts). */
export function kubernetesFailure(
  operation: string,
  err: unknown,
  alsoRetryable?: number[],
): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const status = httpStatus(err);
  if (status !== undefined) {
    return httpFailure({
      system: 'kubernetes',
      operation,
      status,
      message: kubeErrorMessage(err),
      retryAfter: retryAfterHeader(err),
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
