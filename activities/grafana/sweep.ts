import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { parseExpectedDatasourceKey } from '../../domain/desired-datasource.js';
import { SA } from '../../domain/search-attributes.js';
import { DRIFT_CHECK_SIGNAL } from '../../domain/stack-ref.js';
import type { GrafanaClient } from './client.js';
import { datasourceRawList } from './schemas.js';
import { findDrift, type SweepExpectation, type SweepFinding } from './sweep-compare.js';
import type { SweepInstanceResult } from './types.js';

/** Grafana's `[datasources] datasource_limit` default: a list this long may be cut short. */
const GRAFANA_LIST_LIMIT = 5000;
/** Findings named in the result (and so in history); the counts are always complete. */
const MAX_FINDINGS_REPORTED = 20;

/**
 * Every stack on one Grafana instance that has been Ready and is not being
 * provisioned, suspended or deleted (phase Ready, or Degraded: e.g. a drift
 * repair that Grafana failed), from Temporal visibility: one list query,
 * whatever the number of stacks. The stack workflow advertises its instance and
 * a fingerprint of its datasource as search attributes.
 */
export async function readyStacksOn(client: Client, instance: string): Promise<SweepExpectation[]> {
  const out: SweepExpectation[] = [];
  const query =
    `WorkflowType = 'stackWorkflow' AND ExecutionStatus = 'Running' AND ` +
    `${SA.phase.name} IN ('Ready', 'Degraded') AND ${SA.grafanaInstance.name} = '${instance}'`;
  for await (const wf of client.workflow.list({ query })) {
    const key = wf.typedSearchAttributes.get(SA.datasource);
    const expected = typeof key === 'string' ? parseExpectedDatasourceKey(key) : undefined;
    if (expected) out.push({ workflowId: wf.workflowId, expected });
    heartbeat();
  }
  return out;
}

/**
 * One drift sweep of one Grafana instance: one `GET /api/datasources` per org
 * that has Ready stacks (none at all when it has none), compared with what each
 * stack expects; each stack whose datasource is missing or differs gets its
 * drift-check signal, and its own drift check repairs it (duplicates coalesce
 * there). A failed list throws before anything is compared: a tick Grafana did
 * not answer finds no drift and pokes nobody.
 */
export async function sweepInstance(
  grafana: GrafanaClient,
  temporal: Client,
  instance: string,
): Promise<SweepInstanceResult> {
  const expectations = await readyStacksOn(temporal, instance);
  const orgs = [...new Set(expectations.map((e) => e.expected.orgId))].sort((a, b) => a - b);
  const lists = new Map<number, { items: unknown[]; truncated: boolean }>();
  for (const orgId of orgs) {
    const operation = `drift sweep: list datasources in org ${orgId}`;
    const res = await grafana.request({ method: 'GET', path: '/api/datasources', orgId, operation });
    if (res.status !== 200) throw grafana.failure(operation, res);
    const items = grafana.parse(datasourceRawList, res, operation);
    lists.set(orgId, { items, truncated: items.length >= GRAFANA_LIST_LIMIT });
    heartbeat();
  }
  const findings = findDrift(expectations, lists);
  const poked = await poke(temporal, findings);
  return {
    instance,
    stacks: expectations.length,
    orgs: orgs.length,
    grafanaCalls: orgs.length,
    drifted: findings.length,
    poked,
    findings: findings.slice(0, MAX_FINDINGS_REPORTED),
  };
}

/** Fire-and-forget: a stack that ended meanwhile (not found) is simply skipped. */
async function poke(temporal: Client, findings: SweepFinding[]): Promise<number> {
  let poked = 0;
  for (const f of findings) {
    try {
      await temporal.workflow.getHandle(f.workflowId).signal(DRIFT_CHECK_SIGNAL);
      poked++;
    } catch {
      // Gone or closed since the list: nothing to repair for it.
    }
    heartbeat();
  }
  return poked;
}

function heartbeat(): void {
  try {
    Context.current().heartbeat();
  } catch {
    // Not inside an activity (plain calls in tests).
  }
}
