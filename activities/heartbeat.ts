import { asyncLocalStorage } from '@temporalio/activity';
import { HEARTBEAT_INTERVAL_MS } from '../domain/heartbeat.js';

// Why every activity heartbeats: see domain/heartbeat.ts.

type AnyActivity = (...args: never[]) => Promise<unknown>;

/** Runs `fn`, heartbeating meanwhile when it runs as a Temporal activity (plain calls in tests just run). */
export async function whileHeartbeating<T>(fn: () => Promise<T>): Promise<T> {
  const ctx = asyncLocalStorage.getStore();
  if (!ctx) return fn();
  const beat = () => ctx.heartbeat();
  beat();
  const timer = setInterval(beat, HEARTBEAT_INTERVAL_MS);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}

/** The same activities, each heartbeating while it runs. */
export function heartbeating<A extends object>(activities: A): A {
  const wrapped: Record<string, AnyActivity> = {};
  for (const [name, fn] of Object.entries(activities) as [string, AnyActivity][]) {
    wrapped[name] = (...args: never[]) => whileHeartbeating(() => fn(...args));
  }
  return wrapped as A;
}
