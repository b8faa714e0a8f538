import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startGrafanaSweep } from '../../client/grafana-sweep.js';
import { emulatorRequestCounts } from '../../devstack/grafana/request-count-client.js';
import { SA } from '../../domain/search-attributes.js';
import { datasourceUid, grafanaSweepWorkflowId, type StackRef } from '../../domain/stack-ref.js';
import { sweepStatusQuery, type SweepSummary } from '../../workflows/sweep-definitions.js';
import { requireEnv } from '../support/env.js';
import { grafanaApi, injectFault, startHarness, swapFault, type Harness } from '../support/saga-harness.js';

// The Grafana drift sweep on the real local stack: External stacks (cheap),
// datasources deleted and edited by hand in the emulator, nobody asking for a
// drift check; the per-stack drift timer is 10 minutes here, so only the sweep
// can repair them within the test.
const SWEEP_MS = 2_000;
let h: Harness;
const url = () => requireEnv('PROMETHEUS_URL');
const getDs = (uid: string) => grafanaApi('GET', `/api/datasources/uid/${uid}`);
const counts = () =>
  emulatorRequestCounts(requireEnv('GRAFANA_URL'), {
    user: requireEnv('GRAFANA_ADMIN_USER'),
    password: requireEnv('GRAFANA_ADMIN_PASSWORD'),
  });
const sweep = () => h.client.workflow.getHandle(grafanaSweepWorkflowId('default'));

/** Waits until the sweep's last tick satisfies `pred`; returns it. */
async function sweepUntil(what: string, pred: (s: SweepSummary) => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last: SweepSummary | undefined;
  for (;;) {
    last = await sweep()
      .query(sweepStatusQuery)
      .catch(() => last);
    if (last && pred(last)) return last;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last sweep: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Polls Grafana until the stack's datasource exists with the url it expects. */
async function repaired(ref: StackRef, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const ds = await getDs(datasourceUid(ref));
    if (ds.status === 200 && (ds.body as { url?: string }).url === url()) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${ref.name}: not repaired within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const external = () => ({
  prometheus: { backend: 'External' as const },
  exposure: { url: url() },
  grafana: { instance: 'default' },
});

beforeAll(async () => {
  h = await startHarness({ sweepIntervalMs: SWEEP_MS });
}, 120_000);
afterAll(async () => {
  await injectFault({ clear: true }).catch(() => undefined);
  // Leave no sweep behind at this test's short interval; `stackwright worker` starts its own.
  await sweep()
    .terminate('test finished')
    .catch(() => undefined);
  await h?.close();
});

describe('Grafana drift sweep', () => {
  const refs: StackRef[] = [];
  const foreign = { uid: `foreign-${Date.now().toString(36)}`, name: `foreign ${Date.now()}` };

  it('compares every Ready stack with one datasource list per org, whatever the number of stacks', async () => {
    for (const n of ['a', 'b', 'c']) refs.push(await h.createStack(`sweep-${n}`, external()));
    for (const r of refs) await h.waitFor(r, 'Ready', (v) => v.phase === 'Ready');
    const three = await sweepUntil('a sweep that sees the three stacks', (s) => s.ok && (s.stacks ?? 0) >= 3);

    for (const n of ['d', 'e']) refs.push(await h.createStack(`sweep-${n}`, external()));
    for (const r of refs.slice(3)) await h.waitFor(r, 'Ready', (v) => v.phase === 'Ready');
    // A sweep that began after all five were Ready (counts are per instance: other runs' stacks may come and go).
    const allReady = new Date().toISOString();
    const five = await sweepUntil(
      'a sweep that sees all five',
      (s) => s.ok && s.at > allReady && (s.stacks ?? 0) >= 5,
    );
    expect(five.grafanaCalls).toBe(three.grafanaCalls);
    expect(five.drifted).toBe(0);

    // The emulator's own count over a few idle sweeps: list calls only, none per stack.
    const c = counts();
    await c.reset();
    const from = five.sweeps;
    const later = await sweepUntil('three more sweeps', (s) => s.sweeps >= from + 3);
    const seen = await c.read();
    const lists = seen.byRoute['GET /api/datasources'] ?? 0;
    const ticks = later.sweeps - from;
    expect(lists).toBeGreaterThanOrEqual((ticks - 1) * (five.grafanaCalls ?? 1));
    expect(lists).toBeLessThanOrEqual((ticks + 1) * (five.grafanaCalls ?? 1));
    for (const r of refs) expect(seen.byDatasource[`uid:${datasourceUid(r)}`] ?? 0).toBe(0);
  }, 180_000);

  it('repairs a deleted and an edited datasource without being asked, and leaves a foreign one alone', async () => {
    const created = await grafanaApi('POST', '/api/datasources', {
      uid: foreign.uid,
      name: foreign.name,
      type: 'prometheus',
      access: 'proxy',
      url: 'http://foreign.example:9090',
    });
    expect(created.status).toBe(200);
    const foreignBefore = (await getDs(foreign.uid)).body as Record<string, unknown>;

    const [a, b, c] = refs as [StackRef, StackRef, StackRef];
    expect((await grafanaApi('DELETE', `/api/datasources/uid/${datasourceUid(a)}`)).status).toBe(200);
    const ds = (await getDs(datasourceUid(b))).body as Record<string, unknown>;
    const edit = await grafanaApi('PUT', `/api/datasources/uid/${datasourceUid(b)}`, {
      ...ds,
      url: 'http://hijacked.example:9090',
    });
    expect(edit.status).toBe(200);

    // Bounded: a sweep interval, then the stack's drift check (two Grafana calls and a status write).
    await Promise.all([repaired(a, 20_000), repaired(b, 20_000)]);
    const va = await h.waitFor(a, 'drift report', (v) => (v.lastDrift?.grafana.length ?? 0) > 0, 10_000);
    const vb = await h.waitFor(b, 'drift report', (v) => (v.lastDrift?.grafana.length ?? 0) > 0, 10_000);
    expect(va.lastDrift?.grafana).toEqual(['datasource.created']);
    expect(vb.lastDrift?.grafana).toEqual(['datasource.url']);
    expect(va.phase).toBe('Ready');
    expect(vb.phase).toBe('Ready');
    // Only the drifted stacks were asked: the others never ran a drift check.
    expect((await h.query(c)).lastDrift).toBeUndefined();

    await sweepUntil('a clean sweep after the repair', (s) => s.ok && s.drifted === 0);
    expect((await getDs(foreign.uid)).body).toEqual(foreignBefore);
    await grafanaApi('DELETE', `/api/datasources/uid/${foreign.uid}`);
  }, 120_000);

  it('a Grafana that answers 503, 401 or 429 skips the sweep: nobody is poked or marked drifted, and the next sweep repairs', async () => {
    const c = refs[2] as StackRef;
    const before = await sweepUntil('an ok sweep', (s) => s.ok);
    const faulty = (status: number) => ({
      method: 'GET',
      pathPrefix: '/api/datasources',
      status,
      retryAfter: 1,
    });
    let fault = await injectFault(faulty(503));
    try {
      const skipped = await sweepUntil('a skipped sweep', (s) => !s.ok && s.sweeps > before.sweeps);
      expect(skipped.error).toMatch(/503/);
      expect((await grafanaApi('DELETE', `/api/datasources/uid/${datasourceUid(c)}`)).status).toBe(200);
      const during = await sweepUntil('another skipped sweep', (s) => !s.ok && s.sweeps > skipped.sweeps);
      expect(during.error).toMatch(/503/);
      // A token Grafana refuses (non-retryable) and rate limiting skip ticks the same way. The faults are
      // swapped, never cleared in between: one clean sweep would rightly repair c before we look.
      for (const [status, why] of [
        [401, /401/],
        [429, /429/],
      ] as const) {
        const seen = (await sweepUntil('any sweep', () => true)).sweeps;
        fault = await swapFault(fault, faulty(status));
        const s = await sweepUntil(`a sweep skipped on ${status}`, (x) => !x.ok && x.sweeps > seen + 1);
        expect(s.error).toMatch(why);
      }
      const vc = await h.query(c);
      expect(vc.phase).toBe('Ready');
      expect(vc.lastDrift).toBeUndefined();
    } finally {
      await injectFault({ clear: true });
    }

    await repaired(c, 20_000);
    const after = await h.waitFor(c, 'drift report', (v) => (v.lastDrift?.grafana.length ?? 0) > 0, 10_000);
    expect(after.lastDrift?.grafana).toEqual(['datasource.created']);
    expect(after.phase).toBe('Ready');
  }, 120_000);

  it('does not poke a suspended stack, and reports the sweep in its search attributes', async () => {
    const d = refs[3] as StackRef;
    await h.updateStack(d, { suspend: true });
    await h.waitFor(d, 'Suspended', (v) => v.phase === 'Suspended');
    const from = (await sweepUntil('an ok sweep', (s) => s.ok)).sweeps;
    expect((await grafanaApi('DELETE', `/api/datasources/uid/${datasourceUid(d)}`)).status).toBe(200);
    await sweepUntil('two more sweeps', (s) => s.ok && s.sweeps >= from + 2);
    expect((await getDs(datasourceUid(d))).status).toBe(404);
    expect((await h.query(d)).lastDrift).toBeUndefined();

    const desc = await sweep().describe();
    expect(desc.typedSearchAttributes.get(SA.sweepStacks)).toBeGreaterThanOrEqual(refs.length - 1);
    expect(desc.typedSearchAttributes.get(SA.sweepDrifted)).toBe(0);
  }, 90_000);

  it('starting it again is idempotent (the same run), and a new interval applies at once', async () => {
    const runId = (await sweep().describe()).runId;
    await startGrafanaSweep(h.client, 'default', 3_600_000);
    const slow = await sweepUntil('a sweep after the slow start', (s) => s.ok);
    await new Promise((r) => setTimeout(r, 1_500)); // now inside an hour-long wait
    await startGrafanaSweep(h.client, 'default', SWEEP_MS);
    await sweepUntil('a sweep soon after the interval is short again', (s) => s.sweeps > slow.sweeps, 10_000);
    expect((await sweep().describe()).runId).toBe(runId);
  }, 60_000);
});
