import { ApplicationFailure } from '@temporalio/common';
import type { StackRef } from '../../domain/stack-ref.js';
import type { KubeContext } from './context.js';
import { keyOf, shortName, type Manifest } from './objects.js';

/** Applies the manifests one by one, in order; returns `Kind/name` of those created or changed. */
export async function applyAll(ctx: KubeContext, ref: StackRef, manifests: Manifest[]): Promise<string[]> {
  const changed: string[] = [];
  for (const m of manifests) {
    const r = await applyOrRecreate(ctx, ref, m);
    if (r.changed) changed.push(shortName(keyOf(m)));
  }
  return changed;
}

const IMMUTABLE_STATEFULSET = /updates to statefulset spec for fields other than/;

/**
 * A StatefulSet's volumeClaimTemplates (storage size or class) cannot be
 * updated in place. Delete it with Orphan propagation, so its pods keep serving
 * and are adopted by the new one, then create it again with the new spec.
 */
async function applyOrRecreate(ctx: KubeContext, ref: StackRef, m: Manifest) {
  try {
    return await ctx.objects.apply(m, ref.name);
  } catch (e) {
    if (
      m.kind !== 'StatefulSet' ||
      !(e instanceof ApplicationFailure) ||
      !IMMUTABLE_STATEFULSET.test(e.message)
    )
      throw e;
    const key = keyOf(m);
    await ctx.objects.delete(key, ref.name, 'Orphan');
    for (let i = 0; i < 100 && (await ctx.objects.read(key)); i++)
      await new Promise((r) => setTimeout(r, 100));
    const r = await ctx.objects.apply(m, ref.name);
    return { ...r, changed: true };
  }
}
