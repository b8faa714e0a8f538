/** Exponential backoff: base·2^attempt, capped, with jitter. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/**
 * Delay before retry number `attempt` (0-based). "Equal jitter": half the
 * capped delay is fixed and half random, so a fleet of watchers that lost the
 * apiserver together does not come back in lockstep, yet never retries at once.
 */
export function backoffDelay(attempt: number, o: BackoffOptions, random: () => number = Math.random): number {
  const capped = Math.min(o.maxMs, o.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(capped / 2 + random() * (capped / 2));
}
