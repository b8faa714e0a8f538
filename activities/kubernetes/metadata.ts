import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import { API_VERSION, GROUP, KIND } from '../../crd/index.js';
import { stackLabels, type StackRef } from '../../domain/stack-ref.js';

/** The MonitoringStack as controller of an object, so deleting the CR garbage-collects it. */
export function ownerReference(ref: StackRef): V1OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    name: ref.name,
    uid: ref.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** True for an owner reference to a MonitoringStack of this name, whatever the CR incarnation. */
export function isStackOwnerReference(
  ref: Pick<StackRef, 'name'>,
  o: { apiVersion: string; kind: string; name: string },
) {
  return o.kind === KIND && o.apiVersion.startsWith(`${GROUP}/`) && o.name === ref.name;
}

/** Metadata of every object a stack owns; a stack without a CR (`apply --direct`) has no owner. */
export function objectMeta(ref: StackRef, name: string, annotations?: Record<string, string>): V1ObjectMeta {
  return {
    name,
    namespace: ref.namespace,
    labels: stackLabels(ref),
    ...(annotations && Object.keys(annotations).length > 0 && { annotations }),
    ...(ref.uid !== '' && { ownerReferences: [ownerReference(ref)] }),
  };
}

/** Pod selector: stable for the life of the StatefulSet (selectors are immutable), unique per stack. */
export function selectorLabels(ref: Pick<StackRef, 'name'>): Record<string, string> {
  const labels = stackLabels(ref);
  const pick = ['app.kubernetes.io/name', 'stackwright.dev/stack'];
  return Object.fromEntries(pick.map((k) => [k, labels[k] ?? '']));
}

export function labelSelector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
