import {
  condition,
  continueAsNew,
  executeChild,
  log,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import { isoNow } from '../domain/clock.js';
import { stackWorkflowId } from '../domain/stack-ref.js';
import {
  driftCheckSignal,
  pauseSignal,
  progressSignal,
  retrySignal,
  specChangedSignal,
  statusQuery,
  supersedeSignal,
  teardownSignal,
  type CarriedState,
  type DesiredSpec,
  type ProvisionOutcome,
  type StackView,
  type StackWorkflowInput,
  type TeardownRequest,
} from './definitions.js';
import { driftWorkflow } from './drift.js';
import { errorMessage } from './errors.js';
import { withDefaults } from './options.js';
import { Progress, recordStep } from './progress.js';
import { provisionWorkflow } from './provision.js';
import { SA } from './search-attributes.js';
import { teardownWorkflow, type TeardownOutcome } from './teardown.js';

/**
 * One long-lived workflow per stack (id `stack/<cluster>/<namespace>/<name>`): the
 * single owner of that stack. It receives every spec change as a signal, runs
 * one saga at a time as a child workflow (the newest spec wins; a running saga is
 * told to stand down), checks drift on a timer, tears down on request, and
 * continues-as-new to keep its history bounded.
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
  let retryRequested = false;
  let driftRequested = false;
  let running: ChildWorkflowHandle<typeof provisionWorkflow> | undefined;

  const standDown = () => void running?.signal(supersedeSignal).catch(() => undefined);
  setHandler(statusQuery, () => view);
  setHandler(specChangedSignal, (d) => {
    if (desired && d.generation <= desired.generation) return; // duplicate or stale: the newest wins
    desired = d;
    view.desiredGeneration = d.generation;
    standDown();
  });
  setHandler(teardownSignal, (t) => {
    teardown = t;
    standDown();
  });
  setHandler(retrySignal, () => void (retryRequested = true));
  setHandler(driftCheckSignal, () => void (driftRequested = true));
  setHandler(pauseSignal, (p) => void (view.paused = p));
  setHandler(progressSignal, (r) => {
    view.steps = recordStep(view.steps, r);
    view.currentStep = r.state === 'running' ? r.step : undefined;
  });

  upsertSearchAttributes([
    { key: SA.cluster, value: ref.cluster },
    { key: SA.namespace, value: ref.namespace },
    { key: SA.name, value: ref.name },
    { key: SA.phase, value: view.phase },
  ]);

  const wid = stackWorkflowId(ref);
  const suspended = () => view.paused || desired?.spec.suspend === true;
  const pending = () =>
    desired !== undefined && (desired.generation > carried.appliedGeneration || retryRequested);

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
      if (!teardown && before !== 'Suspended') setPhase(before);
      driftRequested = true;
      continue;
    }

    if (pending() && desired) {
      retryRequested = false;
      await provision(desired);
      continue;
    }

    if (workflowInfo().continueAsNewSuggested || iteration >= options.continueAsNewAfter) {
      await continueAsNew<typeof stackWorkflow>({
        ref,
        desired,
        options: input.options,
        carried: { ...carried, view },
      });
    }

    const woke = await condition(
      () => teardown !== undefined || pending() || driftRequested || suspended(),
      options.driftIntervalMs,
    );
    if ((!woke || driftRequested) && !teardown && !pending() && !suspended()) await checkDrift();
    driftRequested = false;
  }

  async function provision(target: DesiredSpec): Promise<void> {
    carried.appliedGeneration = target.generation;
    carried.attempts++;
    setPhase('Provisioning');
    let outcome: ProvisionOutcome;
    try {
      running = await startChild(provisionWorkflow, {
        workflowId: `${wid}/provision/g${target.generation}-${carried.attempts}`,
        args: [{ ref, target, lastReady: carried.lastReady, options, view: { ...view, steps: [] } }],
        staticSummary: `provision ${ref.namespace}/${ref.name} generation ${target.generation}`,
      });
      outcome = await running.result();
    } catch (e) {
      outcome = { outcome: 'Failed', step: 'provision', message: errorMessage(e), compensationErrors: [] };
    } finally {
      running = undefined;
    }
    if (outcome.outcome !== 'Superseded') view.observedGeneration = target.generation;
    switch (outcome.outcome) {
      case 'Ready':
        carried.lastReady = { ...target, externalUrl: outcome.view.prometheus?.externalUrl };
        Object.assign(view, outcome.view, { lastError: undefined });
        setPhase('Ready');
        break;
      case 'RolledBack':
      case 'Failed':
        view.lastError = { step: outcome.step, message: outcome.message };
        setPhase(outcome.outcome === 'RolledBack' ? 'Degraded' : 'Failed');
        break;
      case 'Superseded':
        log.info('saga superseded by a newer spec or a teardown', { generation: target.generation });
        break;
    }
  }

  async function checkDrift(): Promise<void> {
    if (!carried.lastReady || (view.phase !== 'Ready' && view.phase !== 'Degraded')) return;
    try {
      const r = await executeChild(driftWorkflow, {
        workflowId: `${wid}/drift/${workflowInfo().runId.slice(0, 8)}-${timeStamp()}`,
        args: [{ ref, ready: carried.lastReady, options, view: { ...view, steps: [] } }],
        staticSummary: `drift check ${ref.namespace}/${ref.name}`,
      });
      view.lastDrift = r.report;
      setPhase(r.healthy ? 'Ready' : 'Degraded');
    } catch (e) {
      log.warn('drift check failed', { error: errorMessage(e) });
    }
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
        return view;
      }
      // Not finished: keep the finalizer's promise. Try again after a pause or on retry.
      view.lastError = { step: 'teardown', message: r.message };
      retryRequested = false;
      await condition(() => retryRequested, options.driftIntervalMs);
    }
  }

  function setPhase(phase: StackView['phase']): void {
    view.phase = phase;
    upsertSearchAttributes([{ key: SA.phase, value: phase }]);
  }

  /** Workflow time (deterministic on replay), to make each drift and teardown child id unique. */
  function timeStamp(): string {
    return `${Date.now()}`;
  }
}
