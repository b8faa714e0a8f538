/**
 * How the container image starts Stackwright's processes, for whatever must
 * start them the same way (the bench). The manifests and the chart repeat these
 * (YAML cannot import); test/unit/deploy.test.ts holds them equal.
 * bench/README.md, P4, has the measurements behind both.
 */

/** Node flags of a process that runs the workflows worker: V8 collects the workflow thread's garbage sooner. */
export const WORKFLOWS_NODE_FLAGS: readonly string[] = ['--optimize-for-size'];

/** Set by the Dockerfile for every process: glibc keeps two malloc arenas, not one per thread. */
export const IMAGE_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };
