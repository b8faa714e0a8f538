const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `f` every `everyMs` until it returns a value. A throw counts as "not
 * yet" (an object not created yet, an apiserver restarting); after `ms` the
 * wait fails naming `what` and the last error seen.
 */
export async function until<T>(
  what: string,
  f: () => Promise<T | undefined>,
  ms = 60_000,
  everyMs = 500,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(everyMs);
  }
}
