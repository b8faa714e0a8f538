import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import {
  API_VERSION,
  GROUP,
  KIND,
  MonitoringStackSchema,
  MonitoringStackStatusSchema,
  PLURAL,
  VERSION,
} from '../../crd/index.js';
import { mergeStatus } from '../../domain/conditions.js';
import type { StackRef } from '../../domain/stack-ref.js';
import { checkRef, type KubeContext } from './context.js';
import { isNotFound, failure, nonRetryable, parseResponse } from './failure.js';
import type { GetStackResult, PatchStackStatusInput, PatchStackStatusResult, StackInput } from './types.js';

const describe = (ref: StackRef) => `${KIND} ${ref.namespace}/${ref.name}`;

/** The raw CR, or undefined when it does not exist. */
async function readStack(ctx: KubeContext, ref: StackRef): Promise<unknown> {
  try {
    return await ctx.custom.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ref.namespace,
      plural: PLURAL,
      name: ref.name,
    });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw failure(`read ${describe(ref)}`, err);
  }
}

/** The MonitoringStack, parsed; undefined when it does not exist. An unparsable one fails for good. */
export async function getStack(ctx: KubeContext, { ref }: StackInput): Promise<GetStackResult> {
  checkRef(ctx, ref);
  const raw = await readStack(ctx, ref);
  if (raw === undefined) return undefined;
  const r = MonitoringStackSchema.safeParse(raw);
  if (!r.success) {
    throw nonRetryable(`${describe(ref)} is invalid: ${z.prettifyError(r.error)}`, 'InvalidMonitoringStack');
  }
  return r.data;
}

// Only what a status write needs: a spec this operator cannot parse must not
// stop it from reporting that very problem in the status.
const StatusViewSchema = z.object({
  metadata: z.object({ uid: z.string(), resourceVersion: z.string() }),
  status: MonitoringStackStatusSchema.optional(),
});

/** metav1.Time precision: whole seconds. */
const nowRfc3339 = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * Read, merge, write the status subresource with the resourceVersion read, so a
 * concurrent writer yields a 409 and the retry merges again. A CR that is gone,
 * or was replaced by a new one of the same name (other uid), is not written.
 */
export async function patchStackStatus(
  ctx: KubeContext,
  { ref, update }: PatchStackStatusInput,
): Promise<PatchStackStatusResult> {
  checkRef(ctx, ref);
  if (ref.uid === '') return { found: false };
  const raw = await readStack(ctx, ref);
  if (raw === undefined) return { found: false };
  const current = parseResponse(StatusViewSchema, raw, `read ${describe(ref)}`);
  if (current.metadata.uid !== ref.uid) return { found: false };

  const merged = MonitoringStackStatusSchema.safeParse(mergeStatus(current.status, update, nowRfc3339()));
  if (!merged.success) {
    throw nonRetryable(
      `status update for ${describe(ref)} is invalid: ${z.prettifyError(merged.error)}`,
      'InvalidStatusUpdate',
    );
  }
  const status = merged.data;
  // Nothing new (e.g. a retried update that already landed): no write, no watch event.
  if (isDeepStrictEqual(status, current.status ?? {})) return { found: true, status };

  const op = `write status of ${describe(ref)}`;
  let written: unknown;
  try {
    written = await ctx.custom.replaceNamespacedCustomObjectStatus({
      group: GROUP,
      version: VERSION,
      namespace: ref.namespace,
      plural: PLURAL,
      name: ref.name,
      body: {
        apiVersion: API_VERSION,
        kind: KIND,
        metadata: {
          name: ref.name,
          namespace: ref.namespace,
          uid: ref.uid,
          resourceVersion: current.metadata.resourceVersion,
        },
        status,
      },
    });
  } catch (err) {
    if (isNotFound(err)) return { found: false };
    throw failure(op, err, [409]);
  }
  const result = parseResponse(StatusViewSchema, written, op);
  return { found: true, status: result.status ?? {} };
}
