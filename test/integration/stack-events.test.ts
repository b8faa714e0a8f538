import { execFile } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { recordStackEvent, REPORTING_CONTROLLER } from '../../kube/stack-events.js';
import type { Watcher } from '../../watcher/index.js';
import { requireEnv } from '../support/env.js';
import { injectFault, type Harness } from '../support/saga-harness.js';
import { startWatched, stopWatched, urlSpec, type StacksApi } from './watcher-support.js';

// Kubernetes Events on the MonitoringStack, as `kubectl describe` shows them,
// from the real operator code (worker + watcher) against the local apiserver.
let h: Harness;
let w: Watcher;
let stacks: StacksApi;
beforeAll(async () => {
  ({ h, stacks, w } = await startWatched({ httpAddress: '127.0.0.1:0' }));
}, 120_000);
afterEach(async () => {
  await injectFault({ clear: true });
});
afterAll(() => stopWatched(h, w), 90_000);

const describeStack = (name: string) =>
  new Promise<string>((resolve, reject) =>
    execFile(
      requireEnv('KUBECTL'),
      ['--kubeconfig', requireEnv('KUBECONFIG'), 'describe', 'monitoringstack', '-n', h.namespace, name],
      (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout)),
    ),
  );
const events = () => h.kc.makeApiClient(k8s.EventsV1Api);
const eventsOf = async (uid: string) =>
  (await events().listNamespacedEvent({ namespace: h.namespace })).items.filter(
    (e) => e.regarding?.uid === uid,
  );

describe('Events on the MonitoringStack', () => {
  it('a stack that failed once and then became Ready: kubectl describe tells the story', async () => {
    // Grafana is down (503) until the preflight deadline: Failed before anything is created.
    const name = 'flaky';
    await injectFault({ method: 'GET', pathPrefix: '/api/datasources', status: 503 });
    const uid = (await stacks.create(name, urlSpec())).metadata.uid;
    await stacks.waitFor(name, 'Failed', (s) => s?.status?.phase === 'Failed', 120_000);
    await injectFault({ clear: true });
    await stacks.patch(name, { spec: { prometheus: { retention: '2d' } } });
    await stacks.waitReady(name, 2, 120_000);

    const out = await describeStack(name);
    const section = out.slice(out.indexOf('Events:'));
    const has = (re: RegExp) => expect(section).toMatch(new RegExp(`^\\s+${re.source}$`, 'm'));
    has(/Normal\s+ProvisioningStarted\s+\S+\s+stackwright\.dev\/operator\s+provisioning generation 1/);
    has(
      /Warning\s+GrafanaHttp503\s+\S+\s+stackwright\.dev\/operator\s+preflight failed: list datasources in org 1: .*503.*/,
    );
    has(/Normal\s+Compensated\s+\S+\s+stackwright\.dev\/operator\s+Everything created was removed\./);
    has(/Normal\s+ProvisioningStarted\s+\S+\s+stackwright\.dev\/operator\s+provisioning generation 2/);
    has(
      /Normal\s+Ready\s+\S+\s+stackwright\.dev\/operator\s+generation 2 is ready: Prometheus at http\S+, datasource sw-\w+ healthy in Grafana 'default'/,
    );

    const all = await eventsOf(uid);
    for (const e of all) {
      expect(e.reportingController).toBe(REPORTING_CONTROLLER);
      expect(e.regarding).toMatchObject({ kind: 'MonitoringStack', name, namespace: h.namespace, uid });
    }
    expect(all.filter((e) => e.type === 'Warning')).toHaveLength(1);
  }, 300_000);

  it('repeats are one Event with a series count; a retried activity attempt counts once', async () => {
    const cr = await stacks.create('repeat', urlSpec());
    const subject = { namespace: h.namespace, name: 'repeat', uid: cr.metadata.uid };
    const ev = {
      type: 'Warning',
      reason: 'TeardownBlocked',
      action: 'Teardown',
      note: 'Grafana unreachable',
    } as const;
    const opts = { reportingInstance: 'test' };
    expect(await recordStackEvent(events(), subject, ev, { ...opts, occurrence: 'run/1/0' })).toBe('created');
    expect(await recordStackEvent(events(), subject, ev, { ...opts, occurrence: 'run/1/0' })).toBe(
      'unchanged',
    );
    expect(await recordStackEvent(events(), subject, ev, { ...opts, occurrence: 'run/2/0' })).toBe('counted');
    expect(await recordStackEvent(events(), subject, ev, opts)).toBe('counted');
    // A different note is a different Event.
    await recordStackEvent(events(), subject, { ...ev, note: 'other' }, opts);
    const mine = (await eventsOf(subject.uid)).filter((e) => e.reason === 'TeardownBlocked');
    expect(mine.map((e) => [e.note, e.series?.count]).sort()).toEqual([
      ['Grafana unreachable', 3],
      ['other', undefined],
    ]);
    expect(await describeStack('repeat')).toMatch(
      /Warning\s+TeardownBlocked\s+\S+ \(x3 over \S+\)\s+stackwright\.dev\/operator\s+Grafana unreachable/,
    );
  }, 120_000);
});
