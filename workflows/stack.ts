import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  executeChild,
  isCancellation,
  log,
  patched,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { isoNow } from '../domain/clock.js';
import {
  datasourceFingerprint,
  desiredDatasource,
  expectedDatasourceKey,
} from '../domain/desired-datasource.js';
import { stackWorkflowId } from '../domain/stack-ref.js';
import {
  applySpecUpdate,
  driftCheckSignal,
  driftCheckUpdate,
  pauseSignal,
  progressSignal,
  retrySignal,
  stepsSignal,
  retryUpdate,
  setPausedUpdate,
  specChangedSignal,
  statusQuery,
  supersedeSignal,
  teardownSignal,
  type CarriedState,
  type DesiredSpec,
  type DriftCheckResult,
  type ProvisionOutcome,
  type StackView,
  type StackWorkflowInput,
  type StepRecord,
  type TeardownRequest,
} from './definitions.js';
import { datasourceParams } from './datasource-params.js';
import { driftWorkflow } from './drift.js';
import { errorMessage } from './errors.js';
import { withDefaults } from './options.js';
import { Progress, recordStep } from './progress.js';
import { provisionWorkflow, runProvision } from './provision.js';
import { prometheusBackend } from '../crd/backend.js';
import { desiredAttribute, SA } from '../domain/search-attributes.js';
import {
  checkApply,
  checkDriftRequest,
  checkPause,
  checkRetry,
  throwIfRejected,
  type StackState,
} from './stack-requests.js';
import { teardownWorkflow, type TeardownOutcome } from './teardown.js';

// Changes that alter the commands of a running workflow, gated for replay.
/** A newer spec or a teardown cancels the running saga child (before: a supersede signal). */
const CANCEL_SAGA_PATCH = 'cancel-superseded-saga';
/** Resuming writes the restored phase to the CR (before: workflow view and search attribute only). */
const RESUME_STATUS_PATCH = 'resume-writes-status';
/** A Ready stack advertises its Grafana instance and datasource fingerprint, for the Grafana sweep. */
const SWEEP_ATTRIBUTES_PATCH = 'grafana-sweep-attributes';
/**
 * An External stack's saga (a few Grafana calls and one status write) runs in
 * this workflow instead of a child: no second execution to create, start and
 * complete, about half the workflow tasks and history events per stack (P2).
 * It is stopped the same way, by cancelling its scope.
 */
const INLINE_EXTERNAL_SAGA_PATCH = 'inline-external-saga';
/** The generation held is advertised (StackDesired), so a restarted watcher need not ask each stack. */
const DESIRED_ATTRIBUTE_PATCH = 'desired-attribute';

/** The running provision saga, and how it is stopped. */
interface RunningSaga {
  scope: CancellationScope;
  handle?: ChildWorkflowHandle<typeof provisionWorkflow>;
  /** Histories from before CANCEL_SAGA_PATCH signal the child instead. */
  cancellable: boolean;
  stopped: boolean;
}

/**
 * One long-lived workflow per stack (id `stack/<cluster>/<namespace>/<name>`): the
 * single owner of that stack. Callers apply specs, retry, pause and ask for
 * drift checks through Updates (validated, answered); it runs one saga at a time
 * as a child workflow (the newest spec wins: a running saga is cancelled),
 * checks drift on a timer, tears down on request, and continues-as-new to keep
 * its history bounded.
 */
export async function stackWorkflow(input: StackWorkflowInput): Promise<StackView> {
  const options = withDefaults(input.options);
  const ref = input.ref;
  const carried: Required<Pick<CarriedState, 'appliedGeneration' | 'attempts'>> & CarriedState = {
    appliedGeneration: 0,
    attempts: 0,
    ...input.carried,
  };
  let desired: DesiredSpec | undefined = input.desired;
  const view: StackView = carried.view ?? { ref, phase: 'Pending', steps: [], paused: false };
  view.desiredGeneration = desired?.generation;
  const progress = new Progress(ref, view);

  let teardown: TeardownRequest | undefined;
  let teardownFailed = false;
  let retryRequested = false;
  let running: RunningSaga | undefined;
  // Drift checks asked for (by timer, signal or update) and served so far; an update waits for its ticket.
  let driftAsked = 0;
  let driftServed = 0;
  let lastDrift: DriftCheckResult | undefined;

  const standDown = () => {
    if (!running || running.stopped) return;
    running.stopped = true;
    if (running.cancellable) running.scope.cancel();
    else void running.handle?.signal(supersedeSignal).catch(() => undefined);
  };
  const acceptSpec = (d: DesiredSpec) => {
    desired = d;
    view.desiredGeneration = d.generation;
    if (patched(DESIRED_ATTRIBUTE_PATCH)) upsertSearchAttributes([desiredAttribute(ref.uid, d.generation)]);
    standDown();
  };
  const requestTeardown = (t: TeardownRequest) => {
    teardown = t;
    standDown();
  };
  const state = (): StackState => ({
    uid: ref.uid,
    phase: view.phase,
    desiredGeneration: desired?.generation,
    paused: view.paused,
    deleting: teardown !== undefined,
    provisioning: running !== undefined,
    teardownFailed,
    hasBeenReady: carried.lastReady !== undefined,
  });

  setHandler(statusQuery, () => view);
  setHandler(
    applySpecUpdate,
    (r) => {
      const first = desired === undefined;
      const generation = r.generation ?? (desired?.generation ?? 0) + 1;
      acceptSpec({ generation, spec: r.spec });
      return { generation, first };
    },
    { validator: (r) => throwIfRejected(checkApply(state(), r)) },
  );
  setHandler(
    retryUpdate,
    () => {
      retryRequested = true;
      return teardown
        ? { retrying: 'teardown' as const }
        : { retrying: 'provision' as const, generation: desired?.generation };
    },
    { validator: () => throwIfRejected(checkRetry(state())) },
  );
  setHandler(
    setPausedUpdate,
    (paused) => {
      const changed = view.paused !== paused;
      view.paused = paused;
      return { paused, changed };
    },
    { validator: (_paused: boolean) => throwIfRejected(checkPause(state())) },
  );
  setHandler(
    driftCheckUpdate,
    async () => {
      const ticket = ++driftAsked;
      await condition(() => driftServed >= ticket || teardown !== undefined);
      if (driftServed >= ticket && lastDrift) return lastDrift;
      return { ran: false, healthy: false, message: 'the stack is being deleted' };
    },
    { validator: () => throwIfRejected(checkDriftRequest(state())) },
  );
  // The earlier signal API, for running workflows and recorded histories.
  setHandler(specChangedSignal, (d) => {
    if (desired && d.generation <= desired.generation) return; // duplicate or stale: the newest wins
    acceptSpec(d);
  });
  setHandler(teardownSignal, requestTeardown);
  setHandler(retrySignal, () => void (retryRequested = true));
  setHandler(driftCheckSignal, () => void driftAsked++);
  setHandler(pauseSignal, (p) => void (view.paused = p));
  const recordChildSteps = (records: readonly StepRecord[]) => {
    for (const r of records) {
      view.steps = recordStep(view.steps, r);
      view.currentStep = r.state === 'running' ? r.step : undefined;
    }
  };
  setHandler(progressSignal, (r) => recordChildSteps([r]));
  setHandler(stepsSignal, recordChildSteps);

  upsertSearchAttributes([
    { key: SA.cluster, value: ref.cluster },
    { key: SA.namespace, value: ref.namespace },
    { key: SA.name, value: ref.name },
    { key: SA.phase, value: view.phase },
    ...(desired && patched(DESIRED_ATTRIBUTE_PATCH) ? [desiredAttribute(ref.uid, desired.generation)] : []),
  ]);
  if (carried.lastReady) advertiseDatasource(carried.lastReady);

  const wid = stackWorkflowId(ref);
  const suspended = () => view.paused || desired?.spec.suspend === true;
  const pending = () =>
    desired !== undefined && (desired.generation > carried.appliedGeneration || retryRequested);
  const driftDue = () => driftAsked > driftServed;

  for (let iteration = 0; ; iteration++) {
    if (teardown) return await runTeardown(teardown);

    if (suspended()) {
      const before = view.phase;
      if (before !== 'Suspended') {
        await progress.writeStatus({
          phase: 'Suspended',
          observedGeneration: desired?.generation,
          conditions: [
            {
              type: 'Ready',
              status: 'False',
              reason: 'Suspended',
              message: view.paused ? 'paused by an operator' : 'spec.suspend is true',
            },
          ],
        });
        setPhase('Suspended');
      }
      await condition(() => teardown !== undefined || !suspended());
      // Resumed: back to where it was, and reconcile whatever changed meanwhile.
      if (!teardown && before !== 'Suspended') {
        setPhase(before);
        if (patched(RESUME_STATUS_PATCH)) await progress.writeStatus(resumedStatus(before));
      }
      driftAsked++;
      continue;
    }

    if (pending() && desired) {
      retryRequested = false;
      await provision(desired);
      continue;
    }

    if (workflowInfo().continueAsNewSuggested || iteration >= options.continueAsNewAfter) {
      // Updates cannot cross continue-as-new: let every accepted one answer first.
      await condition(allHandlersFinished);
      await continueAsNew<typeof stackWorkflow>({
        ref,
        desired,
        options: input.options,
        carried: { ...carried, view },
      });
    }

    const woke = await condition(
      () => teardown !== undefined || pending() || driftDue() || suspended(),
      options.driftIntervalMs,
    );
    const asked = driftAsked;
    const due = !woke || driftDue();
    if (due && !teardown && !pending() && !suspended()) lastDrift = await checkDrift();
    else if (driftDue()) lastDrift = { ran: false, healthy: false, message: skippedBecause() };
    driftServed = asked;
  }

  async function provision(target: DesiredSpec): Promise<void> {
    carried.appliedGeneration = target.generation;
    carried.attempts++;
    setPhase('Provisioning');
    const saga: RunningSaga = {
      scope: new CancellationScope(),
      cancellable: patched(CANCEL_SAGA_PATCH),
      stopped: false,
    };
    running = saga;
    const inline =
      saga.cancellable &&
      prometheusBackend(target.spec.prometheus) === 'External' &&
      patched(INLINE_EXTERNAL_SAGA_PATCH);
    let outcome: ProvisionOutcome;
    try {
      outcome = await saga.scope.run(async () => {
        const input = { ref, target, lastReady: carried.lastReady, options, view: { ...view, steps: [] } };
        if (inline) {
          return runProvision(input, {
            report: recordChildSteps,
            reportOne: async (r) => recordChildSteps([r]),
            stop: { superseded: false },
            attributesOnWait: true,
          });
        }
        saga.handle = await startChild(provisionWorkflow, {
          workflowId: `${wid}/provision/g${target.generation}-${carried.attempts}`,
          args: [{ ...input, quiet: true }],
          staticSummary: `provision ${ref.namespace}/${ref.name} generation ${target.generation}`,
        });
        return saga.handle.result();
      });
    } catch (e) {
      outcome =
        saga.stopped && isCancellation(e)
          ? { outcome: 'Superseded' }
          : { outcome: 'Failed', step: 'provision', message: errorMessage(e), compensationErrors: [] };
    } finally {
      running = undefined;
    }
    recordChildSteps(outcome.steps ?? []);
    view.currentStep = undefined;
    // Cancelled while compensating: what it undid, the next saga (or the teardown) puts right.
    if (saga.stopped && saga.cancellable && outcome.outcome !== 'Ready') outcome = { outcome: 'Superseded' };
    if (outcome.outcome !== 'Superseded') view.observedGeneration = target.generation;
    // The saga's step attributes come with the phase, in one upsert: inline, or a quiet child (its
    // outcome says so, so older histories replay as they ran).
    const stepWithPhase = inline || outcome.quiet === true;
    switch (outcome.outcome) {
      case 'Ready':
        carried.lastReady = { ...target, externalUrl: outcome.view.prometheus?.externalUrl };
        Object.assign(view, outcome.view, { lastError: undefined });
        if (stepWithPhase) {
          // One upsert for the phase, the saga's last step and the sweep's attributes.
          setPhase('Ready', [...lastStep(), ...datasourceAttributes(carried.lastReady)]);
        } else {
          setPhase('Ready');
          advertiseDatasource(carried.lastReady);
        }
        break;
      case 'RolledBack':
      case 'Failed':
        view.lastError = { step: outcome.step, message: outcome.message };
        setPhase(outcome.outcome === 'RolledBack' ? 'Degraded' : 'Failed', stepWithPhase ? lastStep() : []);
        break;
      case 'Superseded':
        log.info('saga superseded by a newer spec or a teardown', { generation: target.generation });
        break;
    }
  }

  async function checkDrift(): Promise<DriftCheckResult> {
    if (!carried.lastReady || (view.phase !== 'Ready' && view.phase !== 'Degraded'))
      return { ran: false, healthy: false, message: `no drift check: the stack is ${view.phase}` };
    try {
      const r = await executeChild(driftWorkflow, {
        workflowId: `${wid}/drift/${workflowInfo().runId.slice(0, 8)}-${timeStamp()}`,
        args: [{ ref, ready: carried.lastReady, options, view: { ...view, steps: [] } }],
        staticSummary: `drift check ${ref.namespace}/${ref.name}`,
      });
      if (r.skipped) return { ran: false, healthy: false, message: r.message };
      view.lastDrift = r.report;
      setPhase(r.healthy ? 'Ready' : 'Degraded');
      return { ran: true, ...r };
    } catch (e) {
      log.warn('drift check failed', { error: errorMessage(e) });
      return { ran: false, healthy: false, message: `drift check failed: ${errorMessage(e)}` };
    }
  }

  function skippedBecause(): string {
    if (teardown) return 'the stack is being deleted';
    if (suspended()) return 'the stack is suspended';
    return `generation ${desired?.generation ?? '?'} is provisioned first`;
  }

  async function runTeardown(t: NonNullable<typeof teardown>): Promise<StackView> {
    setPhase('Deleting');
    for (;;) {
      let r: TeardownOutcome;
      try {
        r = await executeChild(teardownWorkflow, {
          workflowId: `${wid}/teardown/${timeStamp()}`,
          args: [
            {
              ref,
              spec: t.spec ?? carried.lastReady?.spec ?? desired?.spec,
              deletionPolicy: t.deletionPolicy,
              options,
              view: { ...view, steps: [] },
            },
          ],
          staticSummary: `teardown ${ref.namespace}/${ref.name} (${t.deletionPolicy})`,
        });
      } catch (e) {
        r = { outcome: 'Failed', message: errorMessage(e) };
      }
      if (r.outcome !== 'Failed') {
        view.lastError = undefined;
        view.steps = recordStep(view.steps, {
          step: 'teardown',
          state: 'done',
          message: r.message,
          at: isoNow(),
        });
        await condition(allHandlersFinished);
        return view;
      }
      // Not finished: keep the finalizer's promise. Try again after a pause or on retry.
      view.lastError = { step: 'teardown', message: r.message };
      teardownFailed = true;
      retryRequested = false;
      await condition(() => retryRequested, options.driftIntervalMs);
      teardownFailed = false;
    }
  }

  /**
   * What the Grafana sweep compares against (activities/grafana/sweep.ts): the
   * instance, and `<orgId>/<uid>/<fingerprint>` of the datasource the last Ready
   * spec expects. A hash only: no url or jsonData in visibility.
   */
  function advertiseDatasource(ready: NonNullable<CarriedState['lastReady']>): void {
    const attributes = datasourceAttributes(ready);
    if (attributes.length > 0) upsertSearchAttributes(attributes);
  }

  function lastStep(): SearchAttributeUpdatePair[] {
    const last = view.steps.at(-1);
    return last ? [{ key: SA.step, value: last.step }] : [];
  }

  function datasourceAttributes(ready: NonNullable<CarriedState['lastReady']>): SearchAttributeUpdatePair[] {
    if (!ready.externalUrl || !patched(SWEEP_ATTRIBUTES_PATCH)) return [];
    const p = datasourceParams(ref, ready.spec, ready.externalUrl);
    const fingerprint = datasourceFingerprint(desiredDatasource(p));
    return [
      { key: SA.grafanaInstance, value: p.instance },
      { key: SA.datasource, value: expectedDatasourceKey({ orgId: p.orgId, uid: p.uid, fingerprint }) },
    ];
  }

  function setPhase(phase: StackView['phase'], also: SearchAttributeUpdatePair[] = []): void {
    view.phase = phase;
    upsertSearchAttributes([{ key: SA.phase, value: phase }, ...also]);
  }

  /** Workflow time (deterministic on replay), to make each drift and teardown child id unique. */
  function timeStamp(): string {
    return `${Date.now()}`;
  }

  /** The CR status when reconciliation resumes: the phase it had, and a Ready condition that says so. */
  function resumedStatus(phase: StackView['phase']) {
    const ready = phase === 'Ready';
    return {
      phase,
      observedGeneration: view.observedGeneration,
      conditions: [
        {
          type: 'Ready' as const,
          status: ready ? ('True' as const) : ('False' as const),
          reason: ready ? 'Ready' : 'Resumed',
          message: ready
            ? 'resumed; the drift check runs now'
            : `resumed in phase ${phase}${view.lastError ? `: [${view.lastError.step}] ${view.lastError.message}` : ''}`,
        },
      ],
    };
  }
}
