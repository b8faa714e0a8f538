import { prometheusBackend } from '../crd/backend.js';
import { isoNow } from '../domain/clock.js';
import type { StackEvent } from '../domain/stack-events.js';
import { datasourceUid, type StackRef } from '../domain/stack-ref.js';
import { grafana, kube } from './activities.js';
import { clusterNotAnswering } from './cluster-wait.js';
import type { DriftReport, ReadySpec, StackOptions, StackView } from './definitions.js';
import { errorMessage } from './errors.js';
import { Progress } from './progress.js';
import { datasourceParams } from './datasource-params.js';

export interface DriftInput {
  ref: StackRef;
  ready: ReadySpec;
  options: StackOptions;
  view: StackView;
}

export interface DriftOutcome {
  report: DriftReport;
  healthy: boolean;
  message: string;
  /** The cluster did not answer: nothing was checked, the stack's phase stands. */
  skipped?: boolean;
}

/**
 * Puts the last Ready spec back wherever it drifted: the same idempotent applies
 * as provisioning, which report what they had to change (an object or a
 * datasource edited by hand, or deleted). Then one health check through Grafana.
 */
export async function driftWorkflow(input: DriftInput): Promise<DriftOutcome> {
  const { ref, ready, options } = input;
  const progress = new Progress(ref, { ...input.view, steps: [] });
  const where = `${ref.namespace}/${ref.name}`;
  const report: DriftReport = { at: isoNow(), kubernetes: [], grafana: [] };
  try {
    // An External stack has nothing in the cluster to drift; its datasource still can.
    if (prometheusBackend(ready.spec.prometheus) !== 'External') {
      const prom = await kube(ref, `drift: re-apply Prometheus ${where}`).applyPrometheus({
        ref,
        spec: ready.spec,
      });
      const exp = await kube(ref, `drift: re-apply exposure ${where}`).applyExposure({
        ref,
        spec: ready.spec,
      });
      report.kubernetes = [...prom.changed, ...exp.changed];
    }
    if (ready.externalUrl) {
      const ds = await grafana(
        `drift: datasource ${datasourceUid(ref)}`,
        options.grafanaTimeoutMs,
      ).upsertDatasource(datasourceParams(ref, ready.spec, ready.externalUrl));
      report.grafana = ds.changed.map((f) => `datasource.${f}`);
    }
    const p = datasourceParams(ref, ready.spec, ready.externalUrl ?? '');
    const h = await grafana(`drift: health of ${p.uid}`, options.grafanaTimeoutMs).datasourceHealth({
      instance: p.instance,
      orgId: p.orgId,
      uid: p.uid,
    });
    const drifted = [...report.kubernetes, ...report.grafana];
    const message = drifted.length ? `repaired drift: ${drifted.join(', ')}` : 'no drift';
    const healthy = h.status === 'OK';
    const events: StackEvent[] = [
      ...(drifted.length
        ? [{ type: 'Normal', reason: 'DriftRepaired', action: 'RepairDrift', note: message } as const]
        : []),
      ...(healthy
        ? []
        : [
            {
              type: 'Warning',
              reason: 'DatasourceUnhealthy',
              action: 'CheckDrift',
              note: h.message,
            } as const,
          ]),
    ];
    await progress.step(
      'drift',
      'done',
      `${message}; health ${h.status}: ${h.message}`,
      {
        phase: healthy ? 'Ready' : 'Degraded',
        conditions: [
          healthy
            ? { type: 'DatasourceHealthy', status: 'True', reason: 'HealthCheckOK', message: h.message }
            : { type: 'DatasourceHealthy', status: 'False', reason: 'HealthCheckFailed', message: h.message },
          healthy
            ? { type: 'Ready', status: 'True', reason: 'Ready', message: message }
            : { type: 'Ready', status: 'False', reason: 'DatasourceUnhealthy', message: h.message },
        ],
      },
      events,
    );
    return { report, healthy, message };
  } catch (e) {
    const away = clusterNotAnswering(ref, e);
    if (away !== undefined) {
      const message = `drift check skipped: ${away}`;
      await progress.step('drift', 'done', message);
      return { report, healthy: false, message, skipped: true };
    }
    const message = `drift check failed: ${errorMessage(e)}`;
    await progress.step(
      'drift',
      'failed',
      message,
      {
        phase: 'Degraded',
        lastError: { step: 'drift', message },
      },
      [{ type: 'Warning', reason: 'DriftCheckFailed', action: 'CheckDrift', note: message }],
    );
    return { report, healthy: false, message };
  }
}
