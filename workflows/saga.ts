import { CancellationScope, log } from '@temporalio/workflow';
import { errorMessage } from './errors.js';

/**
 * Undo steps, run in reverse order. Register a step's undo *before* calling a
 * create whose effect may land even if the call fails or times out; every undo is
 * idempotent (a 404 counts as done), so undoing something never created is safe.
 */
export class Saga {
  private readonly undo: { name: string; run: () => Promise<unknown> }[] = [];

  add(name: string, run: () => Promise<unknown>): void {
    this.undo.push({ name, run });
  }

  /** Forgets an undo whose step is known to have created nothing. */
  drop(name: string): void {
    const i = this.undo.findLastIndex((u) => u.name === name);
    if (i >= 0) this.undo.splice(i, 1);
  }

  /**
   * Runs every undo, newest first, shielded from cancellation. Each undo's activity
   * has its own retries; one that still fails is reported and the rest still run.
   * Returns the failures, which callers surface (status, result), never swallow.
   */
  async compensate(onStep?: (name: string, error?: string) => Promise<void>): Promise<string[]> {
    const errors: string[] = [];
    await CancellationScope.nonCancellable(async () => {
      for (const u of [...this.undo].reverse()) {
        try {
          await u.run();
          await onStep?.(u.name);
        } catch (e) {
          const msg = `${u.name}: ${errorMessage(e)}`;
          log.error('compensation failed', { step: u.name, error: msg });
          errors.push(msg);
          await onStep?.(u.name, msg);
        }
      }
    });
    this.undo.length = 0;
    return errors;
  }
}
