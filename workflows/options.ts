// The stack workflow's tunables: types from their schema (domain/stack-options.ts,
// imported as types only so zod stays out of the workflow bundle) and defaults.
import type { StackOptions, StackOptionsOverrides } from '../domain/stack-options.js';

export type { StackOptions, StackOptionsOverrides };

/** The type makes every option present; test/unit/watcher-config.test.ts parses them with the schema. */
export const DEFAULT_STACK_OPTIONS: Readonly<StackOptions> = Object.freeze({
  driftIntervalMs: 5 * 60_000,
  readinessTimeoutMs: 10 * 60_000,
  exposureTimeoutMs: 10 * 60_000,
  grafanaTimeoutMs: 5 * 60_000,
  deletionTimeoutMs: 5 * 60_000,
  pollIntervalMs: 5_000,
  continueAsNewAfter: 200,
});

/** Overrides over the defaults. Workflow input is not parsed again here: it was parsed where it came in. */
export const withDefaults = (o: StackOptionsOverrides | undefined): StackOptions => ({
  ...DEFAULT_STACK_OPTIONS,
  ...o,
});
