import type { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import { TEMPORAL_SEARCH_ATTRIBUTES } from '../../devstack/components.js';

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
  const missing = Object.keys(TEMPORAL_SEARCH_ATTRIBUTES).filter((k) => !(k in (customAttributes ?? {})));
  if (missing.length > 0) {
    const KEYWORD = 2; // temporal.api.enums.v1.IndexedValueType
    await c.operatorService
      .addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map((k) => [k, KEYWORD])),
      })
      .catch((e: unknown) => {
        if (!alreadyExists(e)) throw e;
      });
  }
}
