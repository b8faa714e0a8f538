import type { StackOptions } from './definitions.js';

export const DEFAULT_STACK_OPTIONS: StackOptions = {
  driftIntervalMs: 5 * 60_000,
  readinessTimeoutMs: 10 * 60_000,
  exposureTimeoutMs: 10 * 60_000,
  grafanaTimeoutMs: 5 * 60_000,
  pollIntervalMs: 5_000,
  continueAsNewAfter: 200,
};

export const withDefaults = (o: Partial<StackOptions> | undefined): StackOptions => ({
  ...DEFAULT_STACK_OPTIONS,
  ...o,
});
