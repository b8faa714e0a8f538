import { checkRef, type KubeContext } from './context.js';
import { isStackOwnerReference } from './metadata.js';
import { shortName } from './objects.js';
import { exposureKeys, prometheusKeys } from './stack-objects.js';
import type { OrphanResult, StackInput } from './types.js';

/**
 * Removes every owner reference to this stack's MonitoringStack (any
 * incarnation) from the stack's objects, so deleting the CR with
 * `deletionPolicy: Orphan` leaves them to run. Other owner references stay.
 * The claims of the StatefulSet are owned by the StatefulSet, so they stay too.
 */
export async function orphanObjects(ctx: KubeContext, { ref }: StackInput): Promise<OrphanResult> {
  checkRef(ctx, ref);
  const orphaned: string[] = [];
  for (const key of [...prometheusKeys(ref), ...exposureKeys(ref)]) {
    const found = await ctx.objects.read(key);
    const owners = found?.meta.ownerReferences ?? [];
    const keep = owners.filter((o) => !isStackOwnerReference(ref, o));
    if (!found || keep.length === owners.length) continue;
    // Guarded by resourceVersion: a concurrent apply re-adding the reference makes this retry, not lose it.
    await ctx.objects.mergePatch(key, found.meta.resourceVersion, { ownerReferences: keep });
    orphaned.push(shortName(key));
  }
  return { orphaned };
}
