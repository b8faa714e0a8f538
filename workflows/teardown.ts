import { patched } from '@temporalio/workflow';
import { prometheusBackend } from '../crd/backend.js';
import type { MonitoringStackSpec } from '../crd/spec.js';
import { datasourceUid, type StackRef } from '../domain/stack-ref.js';
import { sleep } from '@temporalio/workflow';
import { grafana, kube } from './activities.js';
import { untilClusterAnswers } from './cluster-wait.js';
import type { StackOptions, StackView } from './definitions.js';
import { errorMessage } from './errors.js';
import { Progress } from './progress.js';
import { removePrometheus } from './remove-prometheus.js';

export interface TeardownInput {
  ref: StackRef;
  /** The stack's spec (for the Grafana instance and org); absent if it never had a valid one. */
  spec?: MonitoringStackSpec;
  deletionPolicy: 'Delete' | 'Orphan';
  options: StackOptions;
  view: StackView;
}

export type TeardownOutcome =
  { outcome: 'Deleted' | 'Orphaned'; message: string } | { outcome: 'Failed'; message: string };

/**
 * Delete: the datasource first (Grafana stops pointing at it), then exposure,
 * then the Prometheus objects, done only once their pods and claims are gone (a
 * stack re-created under the same name then starts at once). Orphan: leave both, and drop the owner references
 * so deleting the CR does not garbage-collect Prometheus. A failed step stops the
 * teardown (nothing is removed out of order) and is reported; the caller retries.
 */
export async function teardownWorkflow(input: TeardownInput): Promise<TeardownOutcome> {
  const { ref, spec, deletionPolicy, options } = input;
  const progress = new Progress(ref, { ...input.view, steps: [] });
  const where = `${ref.namespace}/${ref.name}`;
  const uid = datasourceUid(ref);
  // A status write of its own (nothing changes in the status): histories from
  // before Events had no activity here.
  const done = async (reason: string, note: string) => {
    if (patched('teardown-done-event'))
      await progress.writeStatus({}, [{ type: 'Normal', reason, action: 'Teardown', note }]);
  };
  // A cluster that does not answer is waited for; the teardown is not "failed".
  const k8s = <T>(call: () => Promise<T>) =>
    untilClusterAnswers(ref, call, async (message) => {
      await progress.step('teardown', 'running', message);
      await sleep(options.pollIntervalMs);
    });
  await progress.step('teardown', 'running', `teardown with deletionPolicy ${deletionPolicy}`, {
    phase: 'Deleting',
  });
  // External: nothing of it in the cluster, so the datasource is all there is to remove.
  const external = spec !== undefined && prometheusBackend(spec.prometheus) === 'External';
  try {
    if (deletionPolicy === 'Orphan' && external) {
      const message = `Orphan: datasource ${uid} left in place (External: nothing in the cluster)`;
      await progress.step('teardown', 'done', message);
      await done('Orphaned', message);
      return { outcome: 'Orphaned', message };
    }
    if (deletionPolicy === 'Orphan') {
      await k8s(() => kube(ref, `release Prometheus objects ${where} (Orphan)`).orphanObjects({ ref }));
      const message = `Orphan: Prometheus objects and datasource ${uid} left in place`;
      await progress.step('teardown', 'done', message);
      await done('Orphaned', message);
      return { outcome: 'Orphaned', message };
    }
    let dsNote = 'no Grafana datasource (no valid spec)';
    if (spec) {
      const r = await grafana(`delete datasource ${uid}`, options.grafanaTimeoutMs).deleteDatasource({
        instance: spec.grafana.instance,
        orgId: spec.grafana.orgId,
        uid,
      });
      dsNote = r.deleted ? `datasource ${uid} deleted` : `datasource ${uid} was already gone`;
    }
    if (external) {
      const message = `${dsNote}; External: nothing in the cluster to delete`;
      await progress.step('teardown', 'done', message);
      await done('TeardownComplete', message);
      return { outcome: 'Deleted', message };
    }
    const exp = await k8s(() => kube(ref, `delete exposure ${where}`).deleteExposure({ ref }));
    const prom = await k8s(() =>
      removePrometheus(ref, options.deletionTimeoutMs, (waiting) =>
        progress.step('teardown', 'running', waiting, {
          conditions: [{ type: 'Ready', status: 'False', reason: 'Deleting', message: waiting }],
        }),
      ),
    );
    const message = `${dsNote}; deleted ${[...exp.deleted, ...prom.deleted].join(', ') || 'nothing (already gone)'}`;
    await progress.step('teardown', 'done', message);
    await done('TeardownComplete', message);
    return { outcome: 'Deleted', message };
  } catch (e) {
    const message = errorMessage(e);
    await progress.step('teardown', 'failed', message, { lastError: { step: 'teardown', message } }, [
      { type: 'Warning', reason: 'TeardownBlocked', action: 'Teardown', note: message },
    ]);
    return { outcome: 'Failed', message };
  }
}
