import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireEnv } from '../support/env.js';
import { runCli } from '../support/cli.js';
import { startHarness, type Harness } from '../support/saga-harness.js';

// The ops CLI as a separate process, against a real worker (in this test
// process) and the local stack. Direct stacks need no watcher.
let h: Harness;
let env: Record<string, string>;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-cli-'));
const file = (name: string, text: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};
const stackYaml = (name: string, extra = '', instance = 'default') => `apiVersion: stackwright.dev/v1alpha1
kind: MonitoringStack
metadata:
  name: ${name}
spec:
  prometheus:
    replicas: 1
${extra}  exposure:
    url: ${requireEnv('PROMETHEUS_URL')}
  grafana:
    instance: ${instance}
`;

beforeAll(async () => {
  h = await startHarness();
  env = { STACKWRIGHT_CLUSTER: h.cluster };
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe('stackwright CLI: direct stacks', () => {
  it('apply --direct --wait shows progress and ends Ready (exit 0)', async () => {
    const r = await runCli(
      ['apply', '-f', file('d1.yaml', stackYaml('d1')), '-n', h.namespace, '--direct', '--wait'],
      env,
    );
    expect(r.stderr).toContain(`monitoringstack ${h.namespace}/d1 started (generation 1)`);
    expect(r.stderr).toMatch(/\[\d+s\] Provisioning/);
    expect(r.stdout).toMatch(/Phase:\s+Ready/);
    expect(r.stdout).toContain(
      `Temporal UI:  ${requireEnv('TEMPORAL_UI_URL')}/namespaces/default/workflows/stack%2F`,
    );
    expect(r.code).toBe(0);
  }, 120_000);

  it('get, list and describe, as tables and as JSON', async () => {
    const get = await runCli(['get', `${h.namespace}/d1`, '-o', 'json'], env);
    expect(get.code).toBe(0);
    expect(JSON.parse(get.stdout)).toMatchObject({
      namespace: h.namespace,
      name: 'd1',
      source: 'direct',
      phase: 'Ready',
      prometheusUrl: requireEnv('PROMETHEUS_URL'),
    });

    const list = await runCli(['list', '-n', h.namespace, '-o', 'json'], env);
    expect((JSON.parse(list.stdout) as { name: string }[]).map((s) => s.name)).toContain('d1');
    const table = await runCli(['list', '-n', h.namespace], env);
    expect(table.stdout).toMatch(/^NAMESPACE\s+NAME\s+PHASE\s+PROMETHEUS\s+DATASOURCE\s+AGE/);
    expect(table.stdout).toMatch(/d1 \(direct\)\s+Ready/);

    const desc = await runCli(['describe', `${h.namespace}/d1`], env);
    expect(desc.stdout).toMatch(/checkDatasourceHealth\s+done\s+Successfully queried the Prometheus API/);
    expect(desc.stdout).toContain('Current step: (idle)');
    const descJson = JSON.parse(
      (await runCli(['describe', `${h.namespace}/d1`, '-o', 'json'], env)).stdout,
    ) as { workflow: { steps: unknown[] } };
    expect(descJson.workflow.steps.length).toBeGreaterThan(5);
  }, 60_000);

  it('pause, resume, retry and drift-check are answered by the workflow', async () => {
    const paused = await runCli(['pause', `${h.namespace}/d1`], env);
    expect([paused.code, paused.stderr]).toEqual([0, `${h.namespace}/d1: paused\n`]);
    await h.waitFor({ ...h.refFor('d1') }, 'Suspended', (v) => v.phase === 'Suspended' && v.paused);
    // Paused: a drift check and a retry are refused, with the reason.
    const refused = await runCli(['drift-check', `${h.namespace}/d1`], env);
    expect([refused.code, refused.stderr]).toEqual([
      1,
      expect.stringMatching(/rejected \(invalid\).*suspended/),
    ]);
    expect((await runCli(['resume', `${h.namespace}/d1`], env)).code).toBe(0);
    await h.waitFor({ ...h.refFor('d1') }, 'Ready again', (v) => !v.paused && v.phase === 'Ready');
    // The drift check's report comes back to the caller.
    const drift = await runCli(['drift-check', `${h.namespace}/d1`, '-o', 'json'], env);
    expect(drift.code).toBe(0);
    expect(JSON.parse(drift.stdout)).toEqual({
      checked: [
        {
          workflowId: `stack/${h.cluster}/${h.namespace}/d1`,
          ran: true,
          healthy: true,
          message: 'no drift',
          report: expect.objectContaining({ kubernetes: [], grafana: [] }),
        },
      ],
    });
    const all = await runCli(['drift-check', '--all', '-o', 'json'], env);
    expect((JSON.parse(all.stdout) as { checked: { workflowId: string }[] }).checked).toContainEqual(
      expect.objectContaining({ workflowId: `stack/${h.cluster}/${h.namespace}/d1`, ran: true }),
    );
    // Ready: nothing to retry, said so instead of a silent re-provision.
    const retry = await runCli(['retry', `${h.namespace}/d1`], env);
    expect(retry.code).toBe(1);
    expect(retry.stderr).toMatch(
      /rejected \(invalid\): the stack is Ready at generation 1: nothing to retry/,
    );
  }, 180_000); // seven CLI processes, each several seconds on a loaded machine

  it('apply --wait of a stack that fails: exit 1 with the step and reason', async () => {
    const r = await runCli(
      [
        'apply',
        '-f',
        file('bad.yaml', stackYaml('d2', '', 'nowhere')),
        '-n',
        h.namespace,
        '--direct',
        '--wait',
      ],
      env,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/d2 is Failed: \[preflight\] .*unknown Grafana instance 'nowhere'/);
  }, 90_000);

  it('delete --wait tears a direct stack down; afterwards it is not found (exit 5)', async () => {
    const r = await runCli(['delete', `${h.namespace}/d1`, '--wait'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('deleted');
    const get = await runCli(['get', `${h.namespace}/d1`], env);
    expect([get.code, get.stdout]).toEqual([5, '']);
    expect(get.stderr).toMatch(/no MonitoringStack .*d1/);
  }, 90_000);
});

describe('stackwright CLI: resources', () => {
  it('apply creates the MonitoringStack resource, and a second apply reports it unchanged', async () => {
    const f = file('r1.yaml', stackYaml('r1'));
    const first = await runCli(['apply', '-f', f, '-n', h.namespace, '-o', 'json'], env);
    expect(JSON.parse(first.stdout)).toEqual([
      { namespace: h.namespace, name: 'r1', action: 'created', generation: 1 },
    ]);
    const again = await runCli(['apply', '-f', f, '-n', h.namespace], env);
    expect(again.stderr).toContain(`monitoringstack ${h.namespace}/r1 unchanged (generation 1)`);
    const cr = await h.getStack('r1');
    expect(cr?.spec.prometheus).toMatchObject({ backend: 'StatefulSet', replicas: 1 });
    const get = await runCli(['get', `${h.namespace}/r1`, '-o', 'json'], env);
    expect(JSON.parse(get.stdout)).toMatchObject({ source: 'cluster', name: 'r1' });
  });

  it('an immutable field changed: the apiserver refuses (exit 2) with its own message', async () => {
    const r = await runCli(
      ['apply', '-f', file('r1b.yaml', stackYaml('r1', '', 'other')), '-n', h.namespace],
      env,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/422.*immutable/i);
  });

  it('delete of a resource (no watcher here: the finalizer-free CR just goes)', async () => {
    const r = await runCli(['delete', `${h.namespace}/r1`, '--wait', '--timeout', '30s'], env);
    expect(r.code).toBe(0);
    expect(await h.getStack('r1')).toBeUndefined();
  });
});

describe('stackwright CLI: bad input', () => {
  it.each([
    ['not YAML', 'a: [b', /is not valid YAML/],
    [
      'not a MonitoringStack',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n',
      /is not a MonitoringStack[\s\S]*must be stackwright.dev\/v1alpha1[\s\S]*at apiVersion[\s\S]*spec is required/,
    ],
    [
      'a schema error, with the path of the bad field',
      stackYaml('bad', '').replace('replicas: 1', 'replicas: -3'),
      /invalid spec:[\s\S]*spec\.prometheus\.replicas/,
    ],
    ['an unknown field', stackYaml('bad', '    replica: 2\n'), /invalid spec:[\s\S]*replica/],
    ['no documents', '# nothing\n', /contains no MonitoringStack/],
  ])('%s → exit 2 and a clear message', async (_what, text, message) => {
    const r = await runCli(['apply', '-f', file('x.yaml', text), '-n', h.namespace], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('bad command lines exit 2', async () => {
    expect((await runCli(['apply'], env)).code).toBe(2); // -f is required
    expect((await runCli(['apply', '-f', '/nonexistent.yaml'], env)).stderr).toMatch(
      /cannot read \/nonexistent.yaml/,
    );
    expect((await runCli(['get', 'too/many/parts'], env)).code).toBe(2);
    expect((await runCli(['drift-check'], env)).code).toBe(2);
    expect(
      (await runCli(['apply', '-f', '-', '--wait', '--timeout', 'soon'], env, stackYaml('t'))).code,
    ).toBe(2);
    expect((await runCli(['list', '-o', 'yaml'], env)).code).toBe(2);
  }, 60_000);

  it('unknown stacks exit 5', async () => {
    for (const cmd of ['get', 'describe', 'retry', 'pause', 'resume', 'delete']) {
      const r = await runCli([cmd, `${h.namespace}/ghost`], env);
      expect([cmd, r.code]).toEqual([cmd, 5]);
    }
  }, 60_000);

  it('bad environment (TEMPORAL_ADDRESS) is reported with the variable named', async () => {
    const r = await runCli(['get', `${h.namespace}/x`], { ...env, TEMPORAL_ADDRESS: 'no-port' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/must be host:port[\s\S]*at TEMPORAL_ADDRESS/);
  });
});
