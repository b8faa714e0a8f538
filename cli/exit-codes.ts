/** Documented exit codes of the `stackwright` CLI (see README). */
export const EXIT = {
  ok: 0,
  /** The operation failed, or a waited-for stack ended Failed or Degraded. */
  failure: 1,
  /** Bad input: unknown command, bad flag, unreadable or invalid manifest. */
  usage: 2,
  /** A required toolchain is missing (Go, prometheus, openssl). */
  toolchain: 3,
  /** Not there yet: `dev status` with a component down, `--wait` timed out. */
  notReady: 4,
  /** The named stack does not exist. */
  notFound: 5,
} as const;
