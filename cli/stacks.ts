import * as k8s from '@kubernetes/client-node';
import { WorkflowNotFoundError } from '@temporalio/client';
import YAML from 'yaml';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION } from '../crd/constants.js';
import { MonitoringStackSchema, type MonitoringStack } from '../crd/resource.js';
import type { Condition } from '../crd/status.js';
import { stackWorkflowId } from '../domain/stack-ref.js';
import { httpStatus, isNotFound, kubeErrorMessage } from '../kube/errors.js';
import { statusQuery, type StackView } from '../workflows/definitions.js';
import type { CliContext } from './context.js';
import { CliError, notFound } from './errors.js';
import { EXIT } from './exit-codes.js';
import type { StackManifest } from './manifest.js';

/** One stack as the CLI shows it, from its CR or, for a direct stack, from its workflow. */
export interface StackSummary {
  namespace: string;
  name: string;
  /** The CR; a direct stack's workflow; or, with no kubeconfig for the cluster at hand, the workflow's view. */
  source: 'cluster' | 'direct' | 'workflow';
  phase: string;
  generation?: number;
  observedGeneration?: number;
  conditions: Pick<Condition, 'type' | 'status' | 'reason' | 'message'>[];
  prometheusUrl?: string;
  datasource?: { uid?: string; name?: string; grafanaInstance?: string };
  lastError?: { step: string; message: string };
  workflowId: string;
  temporalUi: string;
  createdAt?: string;
}

export async function readStackCr(
  ctx: CliContext,
  namespace: string,
  name: string,
): Promise<MonitoringStack | undefined> {
  try {
    const raw = await ctx
      .custom()
      .getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name });
    // A CR the operator cannot parse is still shown: the spec part is not needed here.
    const parsed = MonitoringStackSchema.safeParse(raw);
    return parsed.success ? parsed.data : (raw as MonitoringStack);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw kubeError(`read ${KIND} ${namespace}/${name}`, e);
  }
}

/** The live view of a stack's running workflow; undefined when none runs (never started, or torn down). */
export async function queryView(
  ctx: CliContext,
  namespace: string,
  name: string,
): Promise<StackView | undefined> {
  const client = await ctx.client();
  try {
    const handle = client.workflow.getHandle(stackWorkflowId({ cluster: ctx.clusterName, namespace, name }));
    if ((await handle.describe()).status.name !== 'RUNNING') return undefined;
    return await handle.query(statusQuery);
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return undefined;
    throw e;
  }
}

export function fromCr(ctx: CliContext, cr: MonitoringStack): StackSummary {
  const { namespace, name } = cr.metadata;
  const workflowId =
    cr.status?.workflow?.workflowId ?? stackWorkflowId({ cluster: ctx.clusterName, namespace, name });
  return {
    namespace,
    name,
    source: 'cluster',
    phase: cr.status?.phase ?? 'Pending',
    ...(cr.metadata.generation !== undefined ? { generation: cr.metadata.generation } : {}),
    ...(cr.status?.observedGeneration !== undefined
      ? { observedGeneration: cr.status.observedGeneration }
      : {}),
    conditions: (cr.status?.conditions ?? []).map(({ type, status, reason, message }) => ({
      type,
      status,
      reason,
      message,
    })),
    ...(cr.status?.prometheus?.externalUrl ? { prometheusUrl: cr.status.prometheus.externalUrl } : {}),
    ...(cr.status?.datasource ? { datasource: cr.status.datasource } : {}),
    ...(cr.status?.lastError
      ? { lastError: { step: cr.status.lastError.step, message: cr.status.lastError.message } }
      : {}),
    workflowId,
    temporalUi: ctx.uiLink(workflowId),
    ...(cr.metadata.creationTimestamp ? { createdAt: cr.metadata.creationTimestamp } : {}),
  };
}

export function fromView(
  ctx: CliContext,
  v: StackView,
  source: StackSummary['source'] = 'direct',
): StackSummary {
  const workflowId = stackWorkflowId(v.ref);
  return {
    namespace: v.ref.namespace,
    name: v.ref.name,
    source,
    phase: v.phase,
    ...(v.desiredGeneration !== undefined ? { generation: v.desiredGeneration } : {}),
    ...(v.observedGeneration !== undefined ? { observedGeneration: v.observedGeneration } : {}),
    conditions: [],
    ...(v.prometheus?.externalUrl ? { prometheusUrl: v.prometheus.externalUrl } : {}),
    ...(v.datasource ? { datasource: v.datasource } : {}),
    ...(v.lastError ? { lastError: v.lastError } : {}),
    workflowId,
    temporalUi: ctx.uiLink(workflowId),
  };
}

/**
 * A stack by name: its CR if there is one, else a direct stack's workflow. With
 * no kubeconfig for the cluster at hand (e.g. `--cluster east` from the local
 * cluster's shell), the workflow's own view: Temporal knows every cluster's stacks.
 */
export async function getStackSummary(
  ctx: CliContext,
  namespace: string,
  name: string,
): Promise<StackSummary> {
  if (!ctx.hasKubeConfig()) {
    const view = await queryView(ctx, namespace, name);
    if (view) return fromView(ctx, view, view.ref.uid === '' ? 'direct' : 'workflow');
    throw notFound(
      `no running workflow for stack ${namespace}/${name} in cluster '${ctx.clusterName}' (and no kubeconfig for that cluster here to look for its resource)`,
    );
  }
  const cr = await readStackCr(ctx, namespace, name);
  if (cr) return fromCr(ctx, cr);
  const view = await queryView(ctx, namespace, name);
  if (view) return fromView(ctx, view);
  throw notFound(
    `no MonitoringStack ${namespace}/${name} in cluster '${ctx.clusterName}' (neither a resource nor a direct stack)`,
  );
}

export async function listStacks(ctx: CliContext, namespace: string | undefined): Promise<StackSummary[]> {
  const custom = ctx.custom();
  let items: unknown[];
  try {
    const res = (await (namespace
      ? custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL })
      : custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL }))) as {
      items: unknown[];
    };
    items = res.items;
  } catch (e) {
    throw kubeError(`list ${KIND}s`, e);
  }
  const out = items.map((raw) =>
    fromCr(ctx, (MonitoringStackSchema.safeParse(raw).data ?? raw) as MonitoringStack),
  );
  // Direct stacks have no CR: find their running workflows.
  const seen = new Set(out.map((s) => `${s.namespace}/${s.name}`));
  const client = await ctx.client();
  const query = `WorkflowType="stackWorkflow" AND ExecutionStatus="Running" AND StackCluster="${ctx.clusterName}"${namespace ? ` AND StackNamespace="${namespace}"` : ''}`;
  for await (const wf of client.workflow.list({ query })) {
    const [, , ns, name] = wf.workflowId.split('/');
    if (!ns || !name || seen.has(`${ns}/${name}`)) continue;
    const view = await queryView(ctx, ns, name).catch(() => undefined);
    if (view && view.ref.uid === '') out.push(fromView(ctx, view));
  }
  return out.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}

/** Server-side apply of the CR (field manager stackwright-cli). Returns the resulting generation and what happened. */
export async function applyStackCr(
  ctx: CliContext,
  m: StackManifest,
): Promise<{ generation: number; action: 'created' | 'configured' | 'unchanged' }> {
  const before = await readStackCr(ctx, m.namespace, m.name);
  const body = {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name: m.name, namespace: m.namespace, ...(m.labels ? { labels: m.labels } : {}) },
    spec: m.specInput,
  };
  let after: MonitoringStack;
  try {
    after = (await ctx.custom().patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace: m.namespace,
        plural: PLURAL,
        name: m.name,
        body: YAML.parse(YAML.stringify(body)),
        fieldManager: 'stackwright-cli',
        force: true,
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply),
    )) as MonitoringStack;
  } catch (e) {
    throw kubeError(`apply ${KIND} ${m.namespace}/${m.name}`, e);
  }
  const generation = after.metadata.generation ?? 1;
  const action = !before ? 'created' : before.metadata.generation === generation ? 'unchanged' : 'configured';
  return { generation, action };
}

export async function deleteStackCr(ctx: CliContext, namespace: string, name: string): Promise<boolean> {
  try {
    await ctx
      .custom()
      .deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name });
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw kubeError(`delete ${KIND} ${namespace}/${name}`, e);
  }
}

/** Kubernetes errors as one clear line: the apiserver's own message (e.g. a CEL rule) when it gave one. */
export function kubeError(operation: string, e: unknown): CliError {
  const code = httpStatus(e);
  if (code === undefined) return new CliError(`${operation}: ${e instanceof Error ? e.message : String(e)}`);
  return new CliError(
    `${operation}: Kubernetes answered ${code}: ${kubeErrorMessage(e)}`,
    code === 422 || code === 400 ? EXIT.usage : EXIT.failure,
  );
}
