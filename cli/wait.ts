import type { StackView } from '../workflows/definitions.js';
import type { CliContext } from './context.js';
import { CliError } from './errors.js';
import { EXIT } from './exit-codes.js';
import { fromCr, fromView, queryView, readStackCr, type StackSummary } from './stacks.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Follows a stack until the given generation is Ready (resolves) or ends
 * Failed/Degraded (rejects, exit code 1), printing each change of phase or step
 * to stderr as it happens. A timeout rejects with exit code 4.
 */
export async function waitForStack(
  ctx: CliContext,
  target: { namespace: string; name: string; direct: boolean },
  generation: number,
  timeoutMs: number,
  progress: (line: string) => void,
): Promise<StackSummary> {
  const start = Date.now();
  let last = '';
  for (;;) {
    const view = await queryView(ctx, target.namespace, target.name).catch(() => undefined);
    const summary = target.direct ? (view ? fromView(ctx, view) : undefined) : await crSummary(ctx, target);
    if (summary) {
      const line = describeProgress(summary, view);
      if (line !== last) {
        progress(`[${Math.round((Date.now() - start) / 1000)}s] ${line}`);
        last = line;
      }
      const observed = summary.observedGeneration ?? 0;
      const invalid = summary.conditions.some((c) => c.type === 'InvalidSpec' && c.status === 'True');
      if (summary.phase === 'Ready' && observed >= generation && !invalid) return summary;
      if (
        invalid ||
        (observed >= generation && (summary.phase === 'Failed' || summary.phase === 'Degraded'))
      ) {
        const why = summary.lastError
          ? `[${summary.lastError.step}] ${summary.lastError.message}`
          : (summary.conditions.find((c) => c.type === 'InvalidSpec')?.message ?? summary.phase);
        throw new CliError(
          `${target.namespace}/${target.name} is ${summary.phase}: ${why}\n  history: ${summary.temporalUi}`,
          EXIT.failure,
        );
      }
    }
    if (Date.now() - start > timeoutMs) {
      throw new CliError(
        `timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${target.namespace}/${target.name} to be Ready (last: ${last || 'no status yet'})`,
        EXIT.notReady,
      );
    }
    await sleep(1000);
  }
}

async function crSummary(
  ctx: CliContext,
  t: { namespace: string; name: string },
): Promise<StackSummary | undefined> {
  const cr = await readStackCr(ctx, t.namespace, t.name);
  return cr ? fromCr(ctx, cr) : undefined;
}

function describeProgress(s: StackSummary, v: StackView | undefined): string {
  const step = v?.currentStep ? ` · ${v.currentStep}: ${v.steps.at(-1)?.message ?? ''}` : '';
  return `${s.phase}${step}`;
}
