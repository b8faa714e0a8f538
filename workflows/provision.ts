import {
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { exposureMode } from '../crd/exposure-mode.js';
import { BACKEND_IMMUTABLE_MESSAGE, prometheusBackend } from '../crd/backend.js';
import { camelWord, type StackEvent } from '../domain/stack-events.js';
import type { StackRef } from '../domain/stack-ref.js';
import { grafana, kube, kubeWaiting } from './activities.js';
import { untilClusterAnswers } from './cluster-wait.js';
import {
  progressSignal,
  stepsSignal,
  supersedeSignal,
  type DesiredSpec,
  type ProvisionOutcome,
  type ReadySpec,
  type StackOptions,
  type StackView,
  type StepName,
  type StepRecord,
} from './definitions.js';
import { datasourceParams } from './datasource-params.js';
import { errorMessage, failureType, stepFailure } from './errors.js';
import { Progress } from './progress.js';
import { removePrometheus } from './remove-prometheus.js';
import { Saga } from './saga.js';

export interface ProvisionInput {
  ref: StackRef;
  target: DesiredSpec;
  /** The last spec that reached Ready: an update that fails rolls back to it instead of deleting. */
  lastReady?: ReadySpec;
  options: StackOptions;
  view: StackView;
  /**
   * Set by the stack workflow for its provision child: the saga reports its
   * steps (search attributes, the parent's live view) only once it really waits
   * (a readiness watch that came back not ready, an outage, a failing health
   * check); a saga that never waits hands every record over in its result. A
   * report costs the child and the parent a workflow task each and the child
   * an upsert per step. Histories from before it replay as they ran: it is
   * input, not code, and the saga echoes it in its outcome for the parent.
   */
  quiet?: boolean;
}

class Superseded extends Error {}

/** Readiness from a watch inside a heartbeating activity (each call waits up to 20 s) instead of timer polls. */
const READINESS_WATCH_PATCH = 'readiness-watch';
const READINESS_WAIT_MS = 20_000;
/**
 * One watch round: never past the deadline (a round that overshot it would fail
 * late); a quiet saga's first round takes at most half of what is left, so its
 * wait is reported (live view, search attributes) while a newer spec or a caller
 * still has time to act before the deadline fails it. Only the activity's input
 * and timeouts change with it, not the commands: running histories replay.
 */
export const readinessWaitMs = (remainingMs: number, quietFirst: boolean): number =>
  Math.max(1_000, Math.floor(Math.min(READINESS_WAIT_MS, quietFirst ? remainingMs / 2 : remainingMs)));
/**
 * A lean saga: step records reach the stack workflow in one signal when the saga
 * starts to wait (and in its result), not one signal per step; status updates
 * are coalesced into the writes at the start, when the saga waits and at the
 * end; the start write runs alongside the preflight; a url exposure needs no
 * status activity; an External stack writes its status once, at the end.
 */
const LEAN_SAGA_PATCH = 'lean-saga';
/**
 * Lean External stacks: no preflight activity (the upsert is the first Grafana
 * call and fails the same way), and a first provisioning creates the datasource
 * with one POST. Two activities and two Grafana requests fewer per stack.
 */
const EXTERNAL_UPSERT_FIRST_PATCH = 'external-upsert-first';
/** Failure types of a Grafana call that wrote nothing: the instance or its credentials refused it. */
const REFUSED_BEFORE_WRITE = new Set([
  'UnknownGrafanaInstance',
  'GrafanaCredentialsMissing',
  'GrafanaHttp401',
  'GrafanaHttp403',
]);

/**
 * The provisioning saga for one generation of a stack: Prometheus objects →
 * ready → exposure → datasource → healthy. A step that fails for good undoes the
 * earlier ones in reverse order (in a non-cancellable scope): on a first
 * provisioning by deleting them, on an update by re-applying the last spec that
 * was Ready. The stack workflow stops a saga that a newer spec or a teardown
 * overtakes by cancelling it (older runs: the supersede signal).
 */
export async function provisionWorkflow(input: ProvisionInput): Promise<ProvisionOutcome> {
  const stop = { superseded: false };
  setHandler(supersedeSignal, () => void (stop.superseded = true));
  return runProvision(input, { report: reportSteps, reportOne: reportToParent, stop });
}

/** Where a saga's step records go while it runs, and how an older run is told to stand down. */
export interface SagaHost {
  /** Lean: the records since the last report, at once. */
  report: (records: StepRecord[]) => void;
  /** Before LEAN_SAGA_PATCH: each record as it happens. */
  reportOne: (r: StepRecord) => Promise<void>;
  /** Set by the supersede signal (histories from before cancellation); never set inline. */
  stop: { superseded: boolean };
  /** Step search attributes only when the saga waits (inline: the stack workflow sets them at the end). */
  attributesOnWait?: boolean;
}

/**
 * The saga itself, run either as the provision child workflow or (External
 * stacks, INLINE_EXTERNAL_SAGA_PATCH in stack.ts) inside the stack workflow:
 * the same steps, compensation and cancellation either way.
 */
export async function runProvision(input: ProvisionInput, host: SagaHost): Promise<ProvisionOutcome> {
  const { ref, target, lastReady, options } = input;
  const spec = target.spec;
  const generation = target.generation;
  const stop = host.stop;

  const lean = patched(LEAN_SAGA_PATCH);
  const progress = new Progress(
    ref,
    { ...input.view, steps: [] },
    (r) => host.reportOne(r),
    lean ? { report: host.report, attributesOnWait: host.attributesOnWait || input.quiet } : undefined,
  );
  /** The saga's result, with the step records the stack workflow has not been sent yet. */
  const outcome = (o: ProvisionOutcome): ProvisionOutcome =>
    lean ? { ...o, steps: progress.takeUnreported(), ...(input.quiet && { quiet: true }) } : o;
  const saga = new Saga();
  const isUpdate = lastReady !== undefined;
  const ds = (url: string) => datasourceParams(ref, spec, url);
  const where = `${ref.namespace}/${ref.name}`;
  const backend = prometheusBackend(spec.prometheus);
  let current: StepName = 'preflight';
  const begin = (s: StepName, message: string) => {
    current = s;
    return progress.step(s, 'running', message);
  };
  /**
   * A step that starts by waiting: what lean mode collected is published now;
   * a quiet saga publishes when the wait's first answer is "not yet".
   */
  const beginWaiting = (s: StepName, message: string) => {
    current = s;
    return input.quiet ? progress.step(s, 'running', message) : progress.waiting(s, message);
  };

  // While the cluster does not answer, the saga waits (neither failing nor
  // compensating); that time does not count against a step's deadline.
  let outageMs = 0;
  let lastWait = '';
  async function k8s<T>(call: () => Promise<T>, standDown = true): Promise<T> {
    let since = Date.now();
    return untilClusterAnswers(ref, call, async (message) => {
      if (message !== lastWait) {
        lastWait = message;
        await progress.waiting(current, message);
      }
      await condition(() => standDown && stop.superseded, options.pollIntervalMs);
      outageMs += Date.now() - since;
      since = Date.now();
      if (standDown && stop.superseded) throw new Superseded();
    });
  }
  const undo = (call: () => Promise<unknown>) => k8s(call, false);

  /** Polls `check` with durable timers until it yields a value, the deadline passes, or a newer spec arrives. */
  async function waitFor<T>(
    what: string,
    deadlineMs: number,
    failType: string,
    check: (round: {
      first: boolean;
      remainingMs: number;
    }) => Promise<{ value?: T; message: string; waited?: boolean }>,
  ): Promise<T> {
    const deadline = Date.now() + deadlineMs;
    // Time spent waiting out an outage does not count against the deadline.
    const remainingMs = () => deadline + outageMs - Date.now();
    let last = '';
    for (let first = true; ; first = false) {
      if (stop.superseded) throw new Superseded();
      const r = await check({ first, remainingMs: remainingMs() });
      if (r.value !== undefined) return r.value;
      if (r.message !== last) {
        last = r.message;
        await progress.waiting(current, r.message);
      }
      if (remainingMs() <= 0)
        throw stepFailure(failType, `${what} not done within ${deadlineMs / 1000}s: ${r.message}`);
      // A check that waited itself (a watch in the activity) is called again at once.
      if (!r.waited) await condition(() => stop.superseded, options.pollIntervalMs);
    }
  }

  try {
    const startStatus: Parameters<Progress['writeStatus']> = [
      {
        phase: 'Provisioning',
        observedGeneration: generation,
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'Provisioning',
            message: `provisioning generation ${generation}`,
          },
        ],
      },
      [
        {
          type: 'Normal',
          reason: 'ProvisioningStarted',
          action: 'Provision',
          note: isUpdate
            ? `provisioning generation ${generation} (update from generation ${lastReady.generation})`
            : `provisioning generation ${generation}`,
        },
      ],
    ];
    // Lean: written alongside the preflight, or (External: a few Grafana calls) with the end.
    let started: Promise<void> | undefined;
    if (!lean) await progress.writeStatus(...startStatus);
    else if (backend === 'External') await progress.collect(...startStatus);
    else {
      started = progress.writeStatus(...startStatus);
      started.catch(() => undefined);
    }

    // An External stack creates nothing before its datasource: the upsert checks
    // the instance and credentials itself (same failures, one activity fewer).
    const preflighted = !(lean && backend === 'External' && patched(EXTERNAL_UPSERT_FIRST_PATCH));
    if (preflighted) await begin('preflight', `check Grafana instance '${spec.grafana.instance}'`);
    // The apiserver refuses a backend change (CEL); a direct stack has no apiserver in between.
    const readyBackend = lastReady && prometheusBackend(lastReady.spec.prometheus);
    if (readyBackend !== undefined && readyBackend !== backend)
      throw stepFailure(
        'BackendImmutable',
        `${BACKEND_IMMUTABLE_MESSAGE} (was ${readyBackend}, now ${backend})`,
      );
    if (preflighted) {
      const preflight = grafana(
        `preflight Grafana '${spec.grafana.instance}'`,
        options.grafanaTimeoutMs,
      ).grafanaPreflight({
        instance: spec.grafana.instance,
        orgId: spec.grafana.orgId,
      });
      await (started ? Promise.all([started, preflight]) : preflight);
    }

    const { internalUrl, externalUrl } =
      backend === 'External' ? await registerExternal() : await runPrometheus();

    const params = ds(externalUrl);
    await begin(
      'registerDatasource',
      `register datasource '${params.name}' (${params.uid}) in Grafana '${params.instance}'`,
    );
    // Registered before the call: a create that times out may still have landed.
    saga.add('registerDatasource', () =>
      isUpdate && lastReady.externalUrl
        ? grafana(`roll back datasource ${params.uid}`, options.grafanaTimeoutMs).upsertDatasource(
            datasourceParams(ref, lastReady.spec, lastReady.externalUrl),
          )
        : grafana(`delete datasource ${params.uid}`, options.grafanaTimeoutMs).deleteDatasource({
            instance: params.instance,
            orgId: params.orgId,
            uid: params.uid,
          }),
    );
    const registered = await grafana(
      `upsert datasource ${params.uid} → ${externalUrl}`,
      options.grafanaTimeoutMs,
    )
      .upsertDatasource(preflighted ? params : { ...params, createFirst: !isUpdate })
      .catch((e: unknown) => {
        // Refused before any write (no preflight ran): there is nothing to delete.
        if (!preflighted && REFUSED_BEFORE_WRITE.has(failureType(e) ?? '')) saga.drop('registerDatasource');
        throw e;
      });
    const datasource = { uid: registered.uid, name: params.name, grafanaInstance: params.instance };
    await progress.step(
      'registerDatasource',
      'done',
      `datasource ${registered.uid} (${registered.changed.join(', ') || 'unchanged'})`,
      {
        conditions: [
          {
            type: 'DatasourceRegistered',
            status: 'True',
            reason: 'Registered',
            message: `uid ${registered.uid}`,
          },
        ],
        datasource,
      },
    );

    await begin('checkDatasourceHealth', 'querying Prometheus through Grafana');
    const health = await waitFor(
      'Datasource health',
      options.grafanaTimeoutMs,
      'DatasourceUnhealthy',
      async () => {
        const h = await grafana(
          `health of datasource ${params.uid}`,
          options.grafanaTimeoutMs,
        ).datasourceHealth({
          instance: params.instance,
          orgId: params.orgId,
          uid: params.uid,
        });
        return { value: h.status === 'OK' ? h : undefined, message: `${h.status}: ${h.message}` };
      },
    );
    await progress.step(
      'checkDatasourceHealth',
      'done',
      health.message,
      {
        phase: 'Ready',
        observedGeneration: generation,
        conditions: [
          { type: 'DatasourceHealthy', status: 'True', reason: 'HealthCheckOK', message: health.message },
          { type: 'Ready', status: 'True', reason: 'Ready', message: `generation ${generation} is ready` },
        ],
        lastError: null,
      },
      [
        {
          type: 'Normal',
          reason: 'Ready',
          action: 'Provision',
          note: `generation ${generation} is ready: Prometheus at ${externalUrl}, datasource ${registered.uid} healthy in Grafana '${params.instance}'`,
        },
      ],
    );
    await progress.flushStatus();
    return outcome({
      outcome: 'Ready',
      view: {
        phase: 'Ready',
        readyGeneration: generation,
        prometheus: { ...(internalUrl !== undefined && { internalUrl }), externalUrl },
        datasource,
      },
    });
  } catch (e) {
    if (e instanceof Superseded) return outcome({ outcome: 'Superseded' });
    // Cancelled by the stack workflow (a newer spec, a teardown): stop here, undo nothing;
    // what comes next applies over or removes whatever this saga did.
    if (isCancellation(e)) throw e;
    const message = errorMessage(e);
    const reason = failureType(e) ?? 'StepFailed';
    await progress.step(current, 'failed', message);
    const compensationErrors = await saga.compensate((name, error) =>
      progress.step(
        name as StepName,
        error ? 'compensation-failed' : 'compensated',
        error ?? (isUpdate ? 'rolled back' : 'undone'),
      ),
    );
    const undoNote = compensationErrors.length
      ? ` Undo incomplete: ${compensationErrors.join('; ')}`
      : isUpdate
        ? ` Rolled back to generation ${lastReady.generation}.`
        : ' Everything created was removed.';
    const events: StackEvent[] = [
      {
        type: 'Warning',
        reason: reasonWord(reason),
        action: camelWord(current),
        note: `${current} failed: ${message.replace(`${current}: `, '')}`,
      },
      compensationErrors.length
        ? { type: 'Warning', reason: 'CompensationFailed', action: 'Compensate', note: undoNote.trim() }
        : {
            type: 'Normal',
            reason: isUpdate ? 'RolledBack' : 'Compensated',
            action: 'Compensate',
            note: undoNote.trim(),
          },
    ];
    await progress.writeStatus(
      {
        phase: isUpdate ? 'Degraded' : 'Failed',
        observedGeneration: generation,
        conditions: [
          { type: conditionFor(current), status: 'False', reason: reasonWord(reason), message },
          {
            type: 'Ready',
            status: 'False',
            reason: isUpdate ? 'UpdateRolledBack' : 'ProvisioningFailed',
            message: `${current} failed.${undoNote}`,
          },
        ],
        lastError: { step: current, message: `${message}${undoNote}` },
      },
      events,
    );
    return outcome(
      isUpdate
        ? { outcome: 'RolledBack', step: current, message, compensationErrors }
        : { outcome: 'Failed', step: current, message, compensationErrors },
    );
  }

  /** StatefulSet and PrometheusOperator: objects → ready → exposure → an address Grafana reaches. */
  async function runPrometheus(): Promise<{ internalUrl?: string; externalUrl: string }> {
    const replicas = spec.prometheus.backend === 'External' ? 0 : spec.prometheus.replicas;
    await begin('applyPrometheus', `apply Prometheus objects in ${where}`);
    saga.add('applyPrometheus', () =>
      undo(() =>
        isUpdate
          ? kube(ref, `roll back Prometheus ${where} to generation ${lastReady.generation}`).applyPrometheus({
              ref,
              spec: lastReady.spec,
            })
          : removePrometheus(ref, options.deletionTimeoutMs, (waiting) =>
              progress.waiting('applyPrometheus', `undo: ${waiting}`),
            ),
      ),
    );
    const applied = await k8s(() =>
      kube(ref, `apply Prometheus ${where} (${replicas} replicas)`).applyPrometheus({ ref, spec }),
    );
    const internalUrl = applied.internalUrl;
    await progress.step('applyPrometheus', 'done', `applied: ${applied.changed.join(', ') || 'no change'}`);

    await beginWaiting('waitPrometheusReady', 'waiting for Prometheus replicas');
    // Histories from before the watch keep polling on workflow timers when replayed.
    const watchReadiness = patched(READINESS_WATCH_PATCH);
    const readiness = await waitFor(
      'Prometheus readiness',
      options.readinessTimeoutMs,
      'ReadinessDeadlineExceeded',
      async ({ first, remainingMs }) => {
        if (watchReadiness) {
          const waitMs = readinessWaitMs(remainingMs, first && input.quiet === true);
          // A newer spec must not wait for the watch to end: it cancels the wait.
          const scope = new CancellationScope();
          const wait = scope.run(() =>
            k8s(() =>
              kubeWaiting(ref, `await Prometheus readiness ${where}`, waitMs).awaitPrometheusReady({
                ref,
                spec,
                waitMs,
              }),
            ),
          );
          wait.catch(() => undefined);
          const r = await Promise.race([wait, condition(() => stop.superseded).then(() => undefined)]);
          if (!r) {
            scope.cancel();
            throw new Superseded();
          }
          return { value: r.ready ? r : undefined, message: r.message, waited: true };
        }
        const r = await k8s(() =>
          kube(ref, `Prometheus readiness ${where}`).prometheusReadiness({ ref, spec }),
        );
        return { value: r.ready ? r : undefined, message: r.message };
      },
    );
    await progress.step('waitPrometheusReady', 'done', readiness.message, {
      conditions: [
        { type: 'PrometheusReady', status: 'True', reason: 'ReplicasReady', message: readiness.message },
      ],
      prometheus: { internalUrl },
    });

    const mode = exposureMode(spec.exposure).mode;
    await begin('expose', `expose Prometheus (${mode})`);
    saga.add('expose', () =>
      undo(() =>
        isUpdate
          ? kube(ref, `roll back exposure ${where}`).applyExposure({ ref, spec: lastReady.spec })
          : kube(ref, `delete exposure ${where}`).deleteExposure({ ref }),
      ),
    );
    await k8s(() => kube(ref, `apply exposure ${where} (${mode})`).applyExposure({ ref, spec }));
    await begin('waitExposed', 'waiting for an address Grafana can reach');
    const given = exposureMode(spec.exposure);
    // Lean: an address given in the spec is known here; only Ingress and LoadBalancer are waited for.
    const externalUrl =
      lean && given.mode === 'url'
        ? given.url
        : await waitFor('Exposure', options.exposureTimeoutMs, 'ExposureDeadlineExceeded', async () => {
            const r = await k8s(() => kube(ref, `exposure status ${where}`).exposureStatus({ ref, spec }));
            return { value: r.externalUrl, message: r.message };
          });
    await progress.step('waitExposed', 'done', `reachable at ${externalUrl}`, {
      conditions: [{ type: 'Exposed', status: 'True', reason: 'AddressAssigned', message: externalUrl }],
      prometheus: { internalUrl, externalUrl },
    });
    return { internalUrl, externalUrl };
  }

  /** External: nothing runs in the cluster; the address in the spec is what Grafana gets. */
  async function registerExternal(): Promise<{ internalUrl?: string; externalUrl: string }> {
    const exposure = exposureMode(spec.exposure);
    if (exposure.mode !== 'url')
      throw stepFailure('InvalidSpec', 'backend External needs exposure.url (the spec was not validated)');
    const message = `External Prometheus at ${exposure.url}; nothing runs in the cluster`;
    current = 'expose';
    await progress.step('expose', 'done', message, {
      conditions: [
        { type: 'PrometheusReady', status: 'True', reason: 'External', message },
        { type: 'Exposed', status: 'True', reason: 'External', message: exposure.url },
      ],
      prometheus: { externalUrl: exposure.url },
    });
    return { externalUrl: exposure.url };
  }
}

/** Lean child: the records since the last report, in one signal; not awaited (its answer would be a workflow task). */
function reportSteps(records: StepRecord[]): void {
  const parent = workflowInfo().parent;
  if (!parent) return;
  void getExternalWorkflowHandle(parent.workflowId, parent.runId)
    .signal(stepsSignal, records)
    .catch(() => undefined);
}

async function reportToParent(r: StepRecord): Promise<void> {
  const parent = workflowInfo().parent;
  if (!parent) return;
  // Best effort: the parent's view is for queries; the CR status is the record.
  await getExternalWorkflowHandle(parent.workflowId, parent.runId)
    .signal(progressSignal, r)
    .catch(() => undefined);
}

function conditionFor(step: StepName) {
  switch (step) {
    case 'preflight':
    case 'registerDatasource':
      return 'DatasourceRegistered' as const;
    case 'checkDatasourceHealth':
      return 'DatasourceHealthy' as const;
    case 'expose':
    case 'waitExposed':
      return 'Exposed' as const;
    default:
      return 'PrometheusReady' as const;
  }
}

/** Condition reasons must be CamelCase words: Temporal failure types mostly are already. */
const reasonWord = (s: string) => s.replace(/[^A-Za-z0-9]/g, '') || 'StepFailed';
