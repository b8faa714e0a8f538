import type { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import { TEMPORAL_SEARCH_ATTRIBUTES } from '../../devstack/components.js';

// temporal.api.enums.v1.IndexedValueType
const INDEXED_VALUE_TYPE = { Keyword: 2, Int: 3 } as const;

const alreadyExists = (e: unknown) => /already exist/i.test((e as Error).message);

/**
 * A Temporal namespace of a suite's own, with the search attributes the stack
 * workflow upserts: its processes never take tasks meant for other suites'
 * workers on the shared task queues, and its visibility holds only its stacks.
 */
export async function ensureTemporalNamespace(c: Connection, namespace: string): Promise<void> {
  await c.workflowService
    .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') })
    .catch((e: unknown) => {
      if (!alreadyExists(e)) throw e;
    });
  const { customAttributes } = await c.operatorService.listSearchAttributes({ namespace });
  const have = customAttributes ?? {};
  const want = Object.entries(TEMPORAL_SEARCH_ATTRIBUTES).map(
    ([k, t]) => [k, INDEXED_VALUE_TYPE[t]] as const,
  );
  // One registered with another type (an older helper made every one a Keyword)
  // is removed and registered again: the workflow's upsert of it would fail.
  const wrong = want.filter(([k, t]) => k in have && have[k] !== t).map(([k]) => k);
  if (wrong.length > 0)
    await c.operatorService.removeSearchAttributes({ namespace, searchAttributes: wrong });
  const missing = want.filter(([k]) => !(k in have) || wrong.includes(k));
  if (missing.length > 0) {
    await c.operatorService
      .addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing) })
      .catch((e: unknown) => {
        if (!alreadyExists(e)) throw e;
      });
  }
}
