/** Documented exit codes of the `stackwright` CLI (see README). */
export const EXIT = {
  ok: 0,
  /** The operation failed (a component did not start, a request was refused). */
  failure: 1,
  /** Bad command line: unknown command, bad flag or value. */
  usage: 2,
  /** A required toolchain is missing (Go, prometheus, openssl). */
  toolchain: 3,
  /** `dev status`: some component is not up. */
  notReady: 4,
} as const;
