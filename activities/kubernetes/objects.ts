import { isDeepStrictEqual } from 'node:util';
import {
  PatchStrategy,
  type KubernetesObjectApi,
  type KubernetesObject,
  type V1DeleteOptions,
  type V1ObjectMeta,
} from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { FIELD_MANAGER } from '../../crd/index.js';
import { isNotFound } from '../../kube/errors.js';
import { call, failure, nonRetryable, parseResponse } from './failure.js';

/** An object as the operator writes it: type and identity always set. */
export interface Manifest extends KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta & { name: string; namespace: string };
}

/** Which object, without its content. */
export interface ObjectKey {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

export const keyOf = (m: Manifest): ObjectKey => ({
  apiVersion: m.apiVersion,
  kind: m.kind,
  namespace: m.metadata.namespace,
  name: m.metadata.name,
});

/** `Kind/name`, the form activity results report objects in. */
export const shortName = (k: Pick<ObjectKey, 'kind' | 'name'>): string => `${k.kind}/${k.name}`;
const describe = (k: ObjectKey): string => `${k.kind} ${k.namespace}/${k.name}`;

// Only the metadata the activities rely on; z.object strips the rest.
const OwnerReferenceSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
});
const LiveMetaSchema = z.object({
  metadata: z.object({
    uid: z.string(),
    resourceVersion: z.string(),
    // client-node turns timestamps of known kinds into Dates and leaves others as strings.
    deletionTimestamp: z
      .union([z.date(), z.string()])
      .transform((t) => new Date(t).toISOString())
      .nullish(),
    labels: z.record(z.string(), z.string()).optional(),
    ownerReferences: z.array(OwnerReferenceSchema).optional(),
    managedFields: z.array(z.object({ manager: z.string().optional() })).optional(),
  }),
});
export type LiveMeta = z.output<typeof LiveMetaSchema>['metadata'];

/** An object read from the apiserver: its parsed metadata and the whole response for kind-specific parsing. */
export interface Live {
  meta: LiveMeta;
  object: KubernetesObject;
}

function live(operation: string, object: KubernetesObject): Live {
  return { meta: parseResponse(LiveMetaSchema, object, operation).metadata, object };
}

/** Written by this operator: our field manager holds fields of it, or it carries this stack's label. */
export function managedByUs(meta: LiveMeta, stack: string): boolean {
  return (
    meta.managedFields?.some((f) => f.manager === FIELD_MANAGER) === true ||
    meta.labels?.['stackwright.dev/stack'] === stack
  );
}

// What a change by us would alter: everything but server bookkeeping and status
// (controllers update status all the time; that is not drift).
function comparable(o: KubernetesObject): unknown {
  const { metadata, ...rest } = o as KubernetesObject & { status?: unknown };
  const { resourceVersion: _rv, managedFields: _mf, ...meta } = metadata ?? {};
  return { ...rest, status: undefined, metadata: meta };
}

/**
 * Generic object verbs over KubernetesObjectApi, each failure classified and
 * naming the object. KubernetesObjectApi serialises bodies through client-node's
 * typed models, which drop fields they do not know and rename a few (e.g. in
 * CRD schemas); the kinds written here (core, apps, rbac, networking) map 1:1.
 */
export class Objects {
  constructor(private readonly api: KubernetesObjectApi) {}

  /** The object, or undefined when it does not exist. */
  async read(key: ObjectKey): Promise<Live | undefined> {
    const op = `read ${describe(key)}`;
    let object: KubernetesObject;
    try {
      object = await this.api.read(header(key));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw failure(op, err);
    }
    return live(op, object);
  }

  /**
   * Server-side apply with force: the operator owns every field it sets, taking
   * them back from whoever edited them. Returns whether the object was created
   * or changed. Refuses to take over an object this stack did not create.
   */
  async apply(m: Manifest, stack: string): Promise<{ live: Live; changed: boolean }> {
    const key = keyOf(m);
    const before = await this.read(key);
    if (before && !managedByUs(before.meta, stack)) {
      throw nonRetryable(
        `apply ${describe(key)}: it exists and was not created by Stackwright for stack ${stack}; delete or rename it`,
        'KubernetesObjectNotOwned',
      );
    }
    // Applied to an object on its way out, the change would vanish with it: wait until it is gone.
    if (before?.meta.deletionTimestamp) {
      throw ApplicationFailure.create({
        message: `apply ${describe(key)}: it is still being deleted (since ${before.meta.deletionTimestamp}, an earlier teardown); it is created again once it is gone`,
        type: 'KubernetesObjectTerminating',
      });
    }
    const op = `apply ${describe(key)}`;
    // The client fills in defaults on the object it is given: hand it a copy.
    const body = structuredClone(m);
    const after = live(
      op,
      await call(op, () =>
        this.api.patch(body, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply),
      ),
    );
    const changed = !before || !isDeepStrictEqual(comparable(before.object), comparable(after.object));
    return { live: after, changed };
  }

  /** JSON merge patch guarded by resourceVersion, so a concurrent writer yields a retryable 409. */
  async mergePatch(key: ObjectKey, resourceVersion: string, metadata: Partial<V1ObjectMeta>): Promise<Live> {
    const op = `patch ${describe(key)}`;
    const body: Manifest = {
      apiVersion: key.apiVersion,
      kind: key.kind,
      metadata: { ...metadata, name: key.name, namespace: key.namespace, resourceVersion },
    };
    return live(
      op,
      await call(
        op,
        () => this.api.patch(body, undefined, undefined, FIELD_MANAGER, undefined, PatchStrategy.MergePatch),
        [409],
      ),
    );
  }

  /**
   * Deletes the object if it exists and belongs to this stack. Background
   * propagation: the object is gone at once, the garbage collector removes its
   * dependents (pods, claims) later. Foreground: the object stays, marked for
   * deletion, until its dependents are gone, so "it no longer exists" means
   * "nothing of it is left". Returns whether a deletion was requested.
   */
  async delete(
    key: ObjectKey,
    stack: string,
    propagationPolicy: 'Background' | 'Foreground' | 'Orphan' = 'Background',
  ): Promise<boolean> {
    const current = await this.read(key);
    if (!current || !managedByUs(current.meta, stack)) return false;
    if (current.meta.deletionTimestamp) return false; // already on its way out
    const op = `delete ${describe(key)}`;
    // The uid precondition makes sure we delete what we just checked, not a replacement.
    const options: V1DeleteOptions = {
      propagationPolicy,
      preconditions: { uid: current.meta.uid },
    };
    try {
      await this.api.delete(
        header(key),
        undefined,
        undefined,
        undefined,
        undefined,
        propagationPolicy,
        options,
      );
    } catch (err) {
      if (isNotFound(err)) return false;
      // 409: the precondition failed, the object was replaced meanwhile; the retry looks again.
      throw failure(op, err, [409]);
    }
    return true;
  }

  /** All objects of a kind in a namespace matching the selectors. */
  async list(
    apiVersion: string,
    kind: string,
    namespace: string,
    selectors: { label?: string; field?: string } = {},
  ): Promise<KubernetesObject[]> {
    const op = `list ${kind} in ${namespace}`;
    const res = await call(op, () =>
      this.api.list(
        apiVersion,
        kind,
        namespace,
        undefined,
        undefined,
        undefined,
        selectors.field,
        selectors.label,
      ),
    );
    return res.items;
  }
}

function header(key: ObjectKey) {
  return {
    apiVersion: key.apiVersion,
    kind: key.kind,
    metadata: { name: key.name, namespace: key.namespace },
  };
}
