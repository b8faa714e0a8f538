// The one clock: status timestamps (metav1.Time, whole seconds) and step
// records. Pure; in workflow code `new Date()` is the deterministic workflow time.

export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** metav1.Time precision: RFC 3339 in whole seconds, e.g. 2026-01-02T03:04:05Z. */
export const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d+Z$/, 'Z');

/** Full precision, for step records and reports. */
export const isoNow = (clock: Clock = systemClock): string => clock().toISOString();
