import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  type Worker,
} from '@temporalio/worker';
import { loadGrafanaInstances } from '../../activities/grafana/config.js';
import { startGrafanaSweep } from '../../client/grafana-sweep.js';
import { applySpec } from '../../client/stack-client.js';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION } from '../../crd/constants.js';
import {
  MonitoringStackSchema,
  type MonitoringStack,
  type MonitoringStackInput,
} from '../../crd/resource.js';
import { emulatorFaults } from '../../devstack/grafana/fault-client.js';
import type { FaultRule, FaultRuleInput } from '../../devstack/grafana/faults.js';
import { repoRoot } from '../../devstack/paths.js';
import type { StackRef } from '../../domain/stack-ref.js';
import { stackWorkflowId } from '../../domain/stack-ref.js';
import { statusQuery, type StackOptions, type StackView } from '../../workflows/definitions.js';
import { bundlerOptions } from '../../worker/bundle-options.js';
import { createWorkers, runWorkers, workflowsPath } from '../../worker/workers.js';
import { requireEnv } from './env.js';

import { TEST_RUN_LABEL } from './test-run.js';
import { waitCrdsEstablishedSync } from '../../devstack/crd-established.js';
export { TEST_RUN_LABEL };

/** Short deadlines so failure paths finish within a test. */
export const TEST_OPTIONS: Partial<StackOptions> = {
  readinessTimeoutMs: 20_000,
  exposureTimeoutMs: 15_000,
  grafanaTimeoutMs: 15_000,
  pollIntervalMs: 1_000,
  driftIntervalMs: 10 * 60_000,
};

export const BAD_TOKEN = 'glsa_0000000000000000000000000000dead_00000000';

let bundle: Promise<{ code: string }> | undefined;

/**
 * A real worker (all roles) for a throwaway cluster name, against the local
 * stack: Temporal dev server, the real apiserver, the Grafana emulator. Stacks
 * live in a fresh namespace; everything is removed in `close()`.
 */
export async function startHarness(opts: { kubeconfig?: string; sweepIntervalMs?: number } = {}) {
  const kubeconfig = opts.kubeconfig ?? requireEnv('KUBECONFIG');
  try {
    // SDK logs at WARN and above only: test output stays readable.
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed in this process.
  }
  const cluster = `it-${randomUUID().slice(0, 6)}`;
  const namespace = `${cluster}-ns`;
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  ensureCrd(kubeconfig);
  await core.createNamespace({ body: { metadata: { name: namespace } } });

  // Two Grafana instances: the emulator with a good token, and one with a bad token.
  process.env.SW_IT_BAD_TOKEN = BAD_TOKEN;
  const cfgFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sw-grafana-')), 'grafana.yaml');
  const url = requireEnv('GRAFANA_URL');
  requireEnv('GRAFANA_TOKEN');
  fs.writeFileSync(
    cfgFile,
    `instances:\n  - name: default\n    url: ${url}\n    auth: { tokenEnv: GRAFANA_TOKEN }\n  - name: badtoken\n    url: ${url}\n    auth: { tokenEnv: SW_IT_BAD_TOKEN }\n`,
  );
  const instances = loadGrafanaInstances({ ...process.env, STACKWRIGHT_GRAFANA_CONFIG: cfgFile });

  const address = requireEnv('TEMPORAL_ADDRESS');
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  bundle ??= bundleWorkflowCode({ workflowsPath, ...bundlerOptions, logger: quietLogger });
  const workers: Worker[] = await createWorkers({
    connection: nativeConnection,
    namespace: 'default',
    roles: ['workflows', 'kubernetes', 'grafana'],
    cluster,
    kubeConfig: kc,
    grafana: { instances },
    workflowBundle: await bundle,
  });
  const running = runWorkers(workers);
  // As the worker process does for its Grafana role (worker/main.ts); opt-in here, so other suites keep
  // their drift timing. Only the good-token instance: the other has no Ready stacks to sweep.
  if (opts.sweepIntervalMs !== undefined) await startGrafanaSweep(client, 'default', opts.sweepIntervalMs);

  const refOf = (s: MonitoringStack): StackRef => ({
    cluster,
    namespace,
    name: s.metadata.name,
    uid: s.metadata.uid ?? '',
  });

  async function getStack(name: string): Promise<MonitoringStack | undefined> {
    try {
      return MonitoringStackSchema.parse(
        await custom.getNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace,
          plural: PLURAL,
          name,
        }),
      );
    } catch (e) {
      if ((e as { code?: number }).code === 404) return undefined;
      throw e;
    }
  }

  return {
    cluster,
    namespace,
    kc,
    client,
    /** Creates the CR and hands it to its workflow, as the watcher will. */
    async createStack(
      name: string,
      spec: MonitoringStackInput['spec'],
      options: Partial<StackOptions> = TEST_OPTIONS,
    ) {
      await custom.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: PLURAL,
        body: {
          apiVersion: API_VERSION,
          kind: KIND,
          metadata: { name, labels: { [TEST_RUN_LABEL]: cluster } },
          spec,
        },
      });
      const stack = (await getStack(name))!;
      const ref = refOf(stack);
      await accepted(
        applySpec(client, ref, { generation: stack.metadata.generation ?? 1, spec: stack.spec }, options),
      );
      return ref;
    },
    /** Patches the CR spec (merge patch) and signals the new generation. */
    async updateStack(ref: StackRef, patch: Record<string, unknown>) {
      await custom.patchNamespacedCustomObject(
        { group: GROUP, version: VERSION, namespace, plural: PLURAL, name: ref.name, body: { spec: patch } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      const stack = (await getStack(ref.name))!;
      await accepted(
        applySpec(
          client,
          ref,
          { generation: stack.metadata.generation ?? 1, spec: stack.spec },
          TEST_OPTIONS,
        ),
      );
      return stack.metadata.generation ?? 1;
    },
    getStack,
    /** The ref of a stack in this harness's namespace (uid '' = a direct stack). */
    refFor: (name: string, uid = ''): StackRef => ({ cluster, namespace, name, uid }),
    query: (ref: StackRef): Promise<StackView> =>
      client.workflow.getHandle(stackWorkflowId(ref)).query(statusQuery),
    /** Waits until the stack workflow's view satisfies `pred`. */
    async waitFor(
      ref: StackRef,
      what: string,
      pred: (v: StackView) => boolean,
      timeoutMs = 90_000,
    ): Promise<StackView> {
      const deadline = Date.now() + timeoutMs;
      let last: StackView | undefined;
      for (;;) {
        last = await client.workflow
          .getHandle(stackWorkflowId(ref))
          .query(statusQuery)
          .catch(() => last);
        if (last && pred(last)) return last;
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}; last view: ${JSON.stringify(last, null, 1)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    },
    async close() {
      // Terminate this run's stack workflows so none outlives the test run.
      for await (const wf of client.workflow.list({
        query: `StackCluster="${cluster}" AND ExecutionStatus="Running"`,
      })) {
        await client.workflow
          .getHandle(wf.workflowId)
          .terminate('test finished')
          .catch(() => undefined);
      }
      for (const w of workers) w.shutdown();
      await running.catch(() => undefined);
      await nativeConnection.close();
      await connection.close();
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

/** A harness started before the suite's tests and closed after them; call the result inside a test. */
export function useHarness(): () => Harness {
  let h: Harness | undefined;
  beforeAll(async () => {
    h = await startHarness();
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });
  return () => {
    if (!h) throw new Error('the harness did not start (see beforeAll)');
    return h;
  };
}

function ensureCrd(kubeconfig: string): void {
  execFileSync(
    requireEnv('KUBECTL'),
    [
      '--kubeconfig',
      kubeconfig,
      'apply',
      '--server-side',
      '--force-conflicts',
      '--field-manager=stackwright-tests',
      '-k',
      path.join(repoRoot, 'deploy', 'crd'),
    ],
    { stdio: 'pipe' },
  );
  waitCrdsEstablishedSync(requireEnv('KUBECTL'), kubeconfig, ['crd/monitoringstacks.stackwright.dev']);
}

/** The harness hands specs over as the watcher does; a rejection is a test bug. */
async function accepted(a: Promise<Awaited<ReturnType<typeof applySpec>>>): Promise<void> {
  const r = await a;
  if (!r.accepted) throw new Error(`applySpec rejected (${r.reason}): ${r.message}`);
}

const quietLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** Grafana API as the tests see it (the emulator's admin token). */
export async function grafanaApi(
  method: string,
  p: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${requireEnv('GRAFANA_URL')}${p}`, {
    method,
    headers: { Authorization: `Bearer ${requireEnv('GRAFANA_TOKEN')}`, 'Content-Type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

/** The local emulator's fault injection (test infrastructure, admin Basic auth). */
const faults = () =>
  emulatorFaults(requireEnv('GRAFANA_URL'), {
    user: requireEnv('GRAFANA_ADMIN_USER'),
    password: requireEnv('GRAFANA_ADMIN_PASSWORD'),
  });

/** Adds a fault rule to the emulator, or with `{ clear: true }` removes them all. */
export async function injectFault(rule: { clear: true }): Promise<undefined>;
export async function injectFault(rule: FaultRuleInput): Promise<FaultRule>;
export async function injectFault(rule: FaultRuleInput | { clear: true }): Promise<FaultRule | undefined> {
  if (!('clear' in rule)) return faults().add(rule);
  await faults().clear();
  return undefined;
}

/** Replaces the fault rule `current` with `rule`: the new one is in place before the old one goes. */
export async function swapFault(current: FaultRule, rule: FaultRuleInput): Promise<FaultRule> {
  const next = await faults().add(rule);
  await faults().remove(current.id);
  return next;
}

/** The emulator's fault rules not yet used up (a rule with `times` is dropped once exhausted). */
export const activeFaults = (): Promise<FaultRule[]> => faults().list();
