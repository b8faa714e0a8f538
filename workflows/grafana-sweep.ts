import {
  condition,
  continueAsNew,
  log,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { isoNow } from '../domain/clock.js';
import { SA } from '../domain/search-attributes.js';
import { grafanaSweep } from './activities.js';
import { errorMessage } from './errors.js';
import {
  sweepConfigSignal,
  sweepStatusQuery,
  type GrafanaSweepInput,
  type SweepSummary,
} from './sweep-definitions.js';

const DEFAULT_TICKS_PER_RUN = 200;

/**
 * One drift sweep per Grafana instance (id `grafana-sweep/<instance>`): every
 * `intervalMs` one heartbeating activity lists the instance's datasources and
 * asks each Ready stack whose datasource drifted for a drift check. A sweep that
 * fails (Grafana down, 5xx, 429, 401) is skipped and reported; it pokes nobody.
 */
export async function grafanaSweepWorkflow(input: GrafanaSweepInput): Promise<void> {
  const { instance } = input;
  let intervalMs = input.intervalMs;
  let last = input.last;
  let reconfigured = 0;
  setHandler(sweepConfigSignal, (c) => {
    if (!Number.isInteger(c.intervalMs) || c.intervalMs < 1000 || c.intervalMs === intervalMs) return;
    intervalMs = c.intervalMs;
    reconfigured++;
  });
  setHandler(sweepStatusQuery, () => last);

  const ticksPerRun = input.ticksPerRun ?? DEFAULT_TICKS_PER_RUN;
  for (let tick = 0; ; tick++) {
    if (tick >= ticksPerRun || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof grafanaSweepWorkflow>({ ...input, intervalMs, last });
    }
    const started = Date.now();
    const sweeps = (last?.sweeps ?? 0) + 1;
    try {
      const r = await grafanaSweep(`drift sweep of Grafana '${instance}'`, intervalMs).sweepGrafanaInstance({
        instance,
      });
      last = {
        at: isoNow(),
        ok: true,
        sweeps,
        stacks: r.stacks,
        drifted: r.drifted,
        poked: r.poked,
        grafanaCalls: r.grafanaCalls,
        findings: r.findings,
      };
      report(last);
    } catch (e) {
      const error = errorMessage(e);
      log.warn('drift sweep skipped', { instance, error });
      last = {
        at: isoNow(),
        ok: false,
        sweeps,
        ...(last?.stacks !== undefined && { stacks: last.stacks }),
        error,
      };
      report(last);
    }
    // Until the interval is up; a new interval (sweepConfig) shortens or stretches the wait at once.
    for (;;) {
      const wait = intervalMs - (Date.now() - started);
      const seen = reconfigured;
      if (wait <= 0 || !(await condition(() => reconfigured !== seen, wait))) break;
    }
  }

  function report(s: SweepSummary): void {
    const head = s.ok
      ? `**${s.drifted ?? 0} drifted** of ${s.stacks ?? 0} Ready stacks · ${s.grafanaCalls ?? 0} Grafana call(s)`
      : `**sweep skipped**: ${s.error ?? ''}`;
    const found = (s.findings ?? []).map((f) => `- ${f.uid} (${f.drift}) → ${f.workflowId}`).join('\n');
    setCurrentDetails(
      `Grafana '${instance}', every ${intervalMs / 1000}s\n\n${head}\n\nsweep ${s.sweeps} at ${s.at}${found ? `\n\n${found}` : ''}`,
    );
    if (!s.ok) return;
    const info = workflowInfo().typedSearchAttributes;
    // Only when a count changed: an idle instance adds no search-attribute events to history.
    if (info.get(SA.sweepStacks) !== s.stacks || info.get(SA.sweepDrifted) !== s.drifted) {
      upsertSearchAttributes([
        { key: SA.sweepStacks, value: s.stacks ?? 0 },
        { key: SA.sweepDrifted, value: s.drifted ?? 0 },
      ]);
    }
  }
}
