/**
 * Every activity heartbeats while it runs (activities/heartbeat.ts), and every
 * activity proxy sets this heartbeat timeout (workflows/activities.ts): a worker
 * that dies mid-activity is noticed within seconds and the activity retried,
 * instead of after its whole start-to-close timeout.
 */
export const HEARTBEAT_TIMEOUT_MS = 5_000;
/** Well inside the timeout; the SDK throttles what it actually sends to the server. */
export const HEARTBEAT_INTERVAL_MS = 1_000;
