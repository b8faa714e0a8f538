import { PatchStrategy, setHeaderOptions, type CustomObjectsApi } from '@kubernetes/client-node';
import { FINALIZER, GROUP, PLURAL, VERSION } from '../crd/constants.js';
import { httpStatus } from '../kube/errors.js';
import { WatchedStackSchema, type WatchedStack } from './stack-object.js';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export const hasFinalizer = (s: WatchedStack): boolean => (s.metadata.finalizers ?? []).includes(FINALIZER);

/**
 * A merge patch of the whole finalizers list, guarded by the resourceVersion it
 * was computed from: if anyone changed the object meanwhile (another
 * controller's finalizer included) the apiserver answers 409 instead of
 * overwriting their change.
 */
async function patchFinalizers(
  custom: CustomObjectsApi,
  s: WatchedStack,
  finalizers: string[],
): Promise<WatchedStack> {
  const raw = await custom.patchNamespacedCustomObject(
    {
      group: GROUP,
      version: VERSION,
      namespace: s.metadata.namespace,
      plural: PLURAL,
      name: s.metadata.name,
      body: { metadata: { resourceVersion: s.metadata.resourceVersion, finalizers } },
    },
    mergePatch,
  );
  return WatchedStackSchema.parse(raw);
}

/** The object with our finalizer, or 'conflict' (409): it changed, and its next event brings the news. */
export async function addFinalizer(
  custom: CustomObjectsApi,
  s: WatchedStack,
): Promise<WatchedStack | 'conflict'> {
  try {
    return await patchFinalizers(custom, s, [...(s.metadata.finalizers ?? []), FINALIZER]);
  } catch (e) {
    if (httpStatus(e) === 409) return 'conflict';
    throw e;
  }
}

/**
 * Removes only our finalizer from the current incarnation of the CR (read
 * fresh: the teardown wrote status meanwhile, so the event's resourceVersion is
 * stale). 'gone' when the CR, or this incarnation of it, no longer exists.
 */
export async function removeFinalizer(
  custom: CustomObjectsApi,
  s: WatchedStack,
): Promise<'removed' | 'gone'> {
  for (let attempt = 0; ; attempt++) {
    let current: WatchedStack;
    try {
      current = WatchedStackSchema.parse(
        await custom.getNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace: s.metadata.namespace,
          plural: PLURAL,
          name: s.metadata.name,
        }),
      );
    } catch (e) {
      if (httpStatus(e) === 404) return 'gone';
      throw e;
    }
    if (current.metadata.uid !== s.metadata.uid || !hasFinalizer(current)) return 'gone';
    try {
      await patchFinalizers(
        custom,
        current,
        (current.metadata.finalizers ?? []).filter((f) => f !== FINALIZER),
      );
      return 'removed';
    } catch (e) {
      if (httpStatus(e) === 404) return 'gone';
      // Someone wrote in between (a last status write): read again, a few times.
      if (httpStatus(e) !== 409 || attempt >= 4) throw e;
    }
  }
}
