import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION } from '../../crd/constants.js';
import { repoRoot } from '../../devstack/paths.js';
import { datasourceUid, stackWorkflowId, type StackRef } from '../../domain/stack-ref.js';
import { driftCheckSignal, teardownSignal } from '../../workflows/definitions.js';
import { emulatorRequestCounts } from '../../devstack/grafana/request-count-client.js';
import { runCli } from '../support/cli.js';
import { requireEnv } from '../support/env.js';
import { namespaceObjects } from '../support/namespace-objects.js';
import { grafanaApi, startHarness, type Harness } from '../support/saga-harness.js';

// backend External on the real local stack: an existing Prometheus (the dev
// stack's own, standing in for a Thanos Query) registered in Grafana with the
// same saga, and nothing ever created in the cluster.
let h: Harness;
const url = () => requireEnv('PROMETHEUS_URL');
const getDs = (uid: string) => grafanaApi('GET', `/api/datasources/uid/${uid}`);
/** Objects in the namespace apart from the MonitoringStacks themselves. */
const objects = () => namespaceObjects(h.namespace).filter((o) => !o.startsWith(`${KIND}/`));

beforeAll(async () => {
  h = await startHarness();
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe('backend External', () => {
  let ref: StackRef;
  let before: string[];

  it('reaches Ready with a healthy datasource, creating no object in the namespace', async () => {
    before = objects();
    const counter = emulatorRequestCounts(requireEnv('GRAFANA_URL'), {
      user: requireEnv('GRAFANA_ADMIN_USER'),
      password: requireEnv('GRAFANA_ADMIN_PASSWORD'),
    });
    await counter.reset();
    ref = await h.createStack('thanos', {
      prometheus: { backend: 'External' },
      exposure: { url: url() },
      grafana: { instance: 'default' },
    });
    const view = await h.waitFor(ref, 'Ready', (v) => v.phase === 'Ready');
    // No read before the create: the POST, then the health check. (Either may be retried: the
    // emulator is shared, and a 5xx or a Prometheus not yet answering OK is retried, as it should be.)
    const counts = await counter.read();
    expect(counts.byRoute['POST /api/datasources']).toBeGreaterThanOrEqual(1);
    expect(counts.byRoute['GET /api/datasources/uid/:uid/health']).toBeGreaterThanOrEqual(1);
    expect(counts.byRoute['GET /api/datasources/uid/:uid'] ?? 0).toBe(0);
    expect(view.steps.filter((s) => s.state === 'done').map((s) => s.step)).toEqual([
      'expose',
      'registerDatasource',
      'checkDatasourceHealth',
    ]);
    // The saga ran inside the stack workflow: its activities are in that history, and no provision child exists.
    const wid = stackWorkflowId(ref);
    const children = [];
    for await (const w of h.client.workflow.list({ query: `WorkflowId STARTS_WITH "${wid}/provision/"` }))
      children.push(w.workflowId);
    expect(children).toEqual([]);
    const history = await h.client.workflow.getHandle(wid).fetchHistory();
    const activities = (history.events ?? []).flatMap((e) =>
      e.activityTaskScheduledEventAttributes?.activityType?.name
        ? [e.activityTaskScheduledEventAttributes.activityType.name]
        : [],
    );
    // No preflight; the health check repeats while Prometheus does not answer OK yet.
    expect(activities.join(' ')).toMatch(/^upsertDatasource (datasourceHealth )+patchStackStatus$/);
    expect((await getDs(datasourceUid(ref))).body).toMatchObject({ url: url(), type: 'prometheus' });
    const health = await grafanaApi('GET', `/api/datasources/uid/${datasourceUid(ref)}/health`);
    expect(health).toMatchObject({ status: 200, body: { status: 'OK' } });

    const cr = await h.getStack('thanos');
    expect(cr?.status?.phase).toBe('Ready');
    expect(cr?.status?.prometheus).toEqual({ externalUrl: url() });
    expect(cr?.status?.conditions?.find((c) => c.type === 'PrometheusReady')).toMatchObject({
      status: 'True',
      reason: 'External',
    });
    expect(objects()).toEqual(before);
  }, 120_000);

  it('repairs drift of its datasource, and still touches nothing in the cluster', async () => {
    const uid = datasourceUid(ref);
    const ds = (await getDs(uid)).body as Record<string, unknown>;
    await grafanaApi('PUT', `/api/datasources/uid/${uid}`, { ...ds, url: 'http://hijacked.example:9090' });
    await h.client.workflow.getHandle(stackWorkflowId(ref)).signal(driftCheckSignal);
    const v = await h.waitFor(ref, 'drift report', (x) => (x.lastDrift?.grafana.length ?? 0) > 0);
    expect(v.lastDrift).toMatchObject({ kubernetes: [], grafana: ['datasource.url'] });
    expect((await getDs(uid)).body).toMatchObject({ url: url() });
    expect(objects()).toEqual(before);
  }, 90_000);

  it('teardown removes only the datasource', async () => {
    const handle = h.client.workflow.getHandle(stackWorkflowId(ref));
    await handle.signal(teardownSignal, { deletionPolicy: 'Delete' });
    const final = await handle.result();
    expect(final.steps.at(-1)).toMatchObject({
      step: 'teardown',
      state: 'done',
      message: expect.stringContaining('External: nothing in the cluster to delete'),
    });
    expect((await getDs(datasourceUid(ref))).status).toBe(404);
    expect(objects()).toEqual(before);
    // The Prometheus it pointed at is not ours and is still serving.
    expect((await fetch(`${url()}/-/ready`)).status).toBe(200);
  }, 90_000);
});

describe('backend External: a running saga overtaken', () => {
  const unreachable = 'http://127.0.0.1:1';
  const unhealthy = (name: string) =>
    h.createStack(name, {
      prometheus: { backend: 'External' },
      // Nothing listens there: the health check keeps failing until its deadline.
      exposure: { url: unreachable },
      grafana: { instance: 'default' },
    });
  const inHealthCheck = (ref: StackRef) =>
    h.waitFor(ref, 'waiting on the health check', (v) => v.currentStep === 'checkDatasourceHealth');

  it('a newer spec cancels it; the newer one reaches Ready with its url', async () => {
    const ref = await unhealthy('ext-overtaken');
    await inHealthCheck(ref);
    const generation = await h.updateStack(ref, { exposure: { url: url() } });
    const view = await h.waitFor(
      ref,
      'Ready',
      (v) => v.phase === 'Ready' && v.readyGeneration === generation,
    );
    expect(view.lastError).toBeUndefined();
    expect((await getDs(datasourceUid(ref))).body).toMatchObject({ url: url() });
  }, 90_000);

  it('a teardown cancels it and removes the datasource it had registered', async () => {
    const ref = await unhealthy('ext-torn-down');
    await inHealthCheck(ref);
    expect((await getDs(datasourceUid(ref))).status).toBe(200);
    const handle = h.client.workflow.getHandle(stackWorkflowId(ref));
    await handle.signal(teardownSignal, { deletionPolicy: 'Delete' });
    const final = await handle.result();
    expect(final.steps.at(-1)).toMatchObject({ step: 'teardown', state: 'done' });
    expect((await getDs(datasourceUid(ref))).status).toBe(404);
  }, 90_000);
});

describe('backend External refused by Grafana', () => {
  const stack = (name: string, instance: string) =>
    h.createStack(name, {
      prometheus: { backend: 'External' },
      exposure: { url: url() },
      grafana: { instance },
    });
  const failed = async (ref: StackRef, message: RegExp) => {
    const view = await h.waitFor(ref, 'Failed', (v) => v.phase === 'Failed');
    // The upsert is the first Grafana call; it wrote nothing, so nothing is undone (or fails to be).
    expect(view.lastError).toMatchObject({ step: 'registerDatasource', message });
    expect(view.lastError?.message).not.toMatch(/Undo incomplete/);
    expect(view.steps.filter((s) => /compensat/.test(s.state))).toEqual([]);
    expect((await getDs(datasourceUid(ref))).status).toBe(404);
  };

  it('a bad token → Failed at registration, the 401 named, nothing to undo', async () => {
    await failed(await stack('ext-bad-token', 'badtoken'), /401.*credentials/);
  }, 90_000);

  it('an unknown instance → Failed at registration with the configured ones named', async () => {
    await failed(
      await stack('ext-nowhere', 'nowhere'),
      /unknown Grafana instance 'nowhere' \(configured: default, badtoken\)/,
    );
  }, 90_000);
});

describe('backend External from the CLI', () => {
  it('examples/external.yaml: apply --direct --wait reaches Ready, delete --wait removes the datasource', async () => {
    const text = fs
      .readFileSync(path.join(repoRoot, 'examples', 'external.yaml'), 'utf8')
      .replace('http://127.0.0.1:9090', url())
      .replace('namespace: team-b', `namespace: ${h.namespace}`);
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sw-external-')), 'external.yaml');
    fs.writeFileSync(f, text);
    const env = { STACKWRIGHT_CLUSTER: h.cluster };
    const before = objects();
    const up = await runCli(['apply', '-f', f, '-n', h.namespace, '--direct', '--wait'], env);
    expect(up.stdout).toMatch(/Phase:\s+Ready/);
    expect(up.code).toBe(0);
    const get = await runCli(['get', `${h.namespace}/team-b-thanos`, '-o', 'json'], env);
    const uid = (JSON.parse(get.stdout) as { datasource: { uid: string } }).datasource.uid;
    expect((await getDs(uid)).body).toMatchObject({ url: url() });
    const down = await runCli(['delete', `${h.namespace}/team-b-thanos`, '--wait'], env);
    expect(down.code).toBe(0);
    expect((await getDs(uid)).status).toBe(404);
    expect(objects()).toEqual(before);
  }, 120_000);
});

describe('bad External specs', () => {
  const create = (name: string, spec: Record<string, unknown>) =>
    h.kc.makeApiClient(k8s.CustomObjectsApi).createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: h.namespace,
      plural: PLURAL,
      body: { apiVersion: API_VERSION, kind: KIND, metadata: { name }, spec },
    });
  const rejection = async (p: Promise<unknown>) => {
    const e = (await p.then(
      () => undefined,
      (err: unknown) => err,
    )) as { code?: number; body?: string } | undefined;
    expect(e?.code).toBe(422);
    return String(e?.body);
  };
  const grafana = { instance: 'default' };

  it('the apiserver rejects other prometheus fields, and an exposure other than url, with the field path', async () => {
    const fields = await rejection(
      create('bad-fields', {
        prometheus: { backend: 'External', replicas: 2 },
        exposure: { url: url() },
        grafana,
      }),
    );
    expect(fields).toContain('spec.prometheus');
    expect(fields).toContain('with backend External, Stackwright runs no Prometheus');
    const exposure = await rejection(
      create('bad-exposure', {
        prometheus: { backend: 'External' },
        exposure: { loadBalancer: {} },
        grafana,
      }),
    );
    expect(exposure).toContain('spec.exposure');
    expect(exposure).toContain('only exposure.url is allowed');
  });

  it('the apiserver refuses to switch the backend, and says why', async () => {
    await create('switch', { prometheus: { backend: 'External' }, exposure: { url: url() }, grafana });
    const e = await rejection(
      h.kc.makeApiClient(k8s.CustomObjectsApi).patchNamespacedCustomObject(
        {
          group: GROUP,
          version: VERSION,
          namespace: h.namespace,
          plural: PLURAL,
          name: 'switch',
          body: { spec: { prometheus: { backend: 'StatefulSet' } } },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      ),
    );
    expect(e).toContain('spec.prometheus.backend');
    expect(e).toContain('switching would orphan one Prometheus and start another');
  });

  it('the CLI rejects the same specs before sending them (exit 2, with the field path)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-external-'));
    const apply = (name: string, prometheus: string, exposure: string) => {
      const f = path.join(dir, `${name}.yaml`);
      fs.writeFileSync(
        f,
        `apiVersion: ${API_VERSION}\nkind: ${KIND}\nmetadata:\n  name: ${name}\nspec:\n` +
          `  prometheus: ${prometheus}\n  exposure: ${exposure}\n  grafana: { instance: default }\n`,
      );
      return runCli(['apply', '-f', f, '-n', h.namespace], { STACKWRIGHT_CLUSTER: h.cluster });
    };
    const fields = await apply('bad-cli-1', '{ backend: External, retention: 1d }', `{ url: '${url()}' }`);
    expect(fields.code).toBe(2);
    expect(fields.stderr).toContain('not allowed with backend External');
    expect(fields.stderr).toContain('→ at spec.prometheus.retention');
    const exposure = await apply(
      'bad-cli-2',
      '{ backend: External }',
      '{ ingress: { host: prom.example.com } }',
    );
    expect(exposure.code).toBe(2);
    expect(exposure.stderr).toContain('only exposure.url is allowed');
    expect(exposure.stderr).toContain('→ at spec.exposure');
    expect(await h.getStack('bad-cli-1')).toBeUndefined();
    expect(await h.getStack('bad-cli-2')).toBeUndefined();
  }, 60_000);
});
