import { Watch, type CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import { GROUP, PLURAL, VERSION } from '../crd/constants.js';
import type { ListWatchSource } from './informer.js';

const ListSchema = z.object({
  metadata: z.object({ resourceVersion: z.string().min(1) }),
  items: z.array(z.unknown()),
});

/**
 * MonitoringStacks of one namespace (or all, when `namespace` is undefined) as
 * an informer source. Watches ask for bookmarks, so a quiet watch still shows
 * life about once a minute, and carry a jittered server-side timeout, so the
 * apiserver spreads the watchers' renewals.
 */
export function monitoringStackSource(
  kubeConfig: KubeConfig,
  custom: CustomObjectsApi,
  namespace: string | undefined,
  watchTimeoutSeconds: number,
  labelSelector?: string,
): ListWatchSource {
  const selector = labelSelector ? { labelSelector } : {};
  const base = `/apis/${GROUP}/${VERSION}`;
  const path = namespace ? `${base}/namespaces/${namespace}/${PLURAL}` : `${base}/${PLURAL}`;
  const watch = new Watch(kubeConfig);
  return {
    name: namespace ?? '*',
    async list() {
      const raw = namespace
        ? await custom.listNamespacedCustomObject({
            group: GROUP,
            version: VERSION,
            namespace,
            plural: PLURAL,
            ...selector,
          })
        : await custom.listClusterCustomObject({
            group: GROUP,
            version: VERSION,
            plural: PLURAL,
            ...selector,
          });
      const list = ListSchema.parse(raw);
      return { items: list.items, resourceVersion: list.metadata.resourceVersion };
    },
    async watch(resourceVersion, onEvent, onDone) {
      const timeoutSeconds = Math.round(watchTimeoutSeconds * (1 + Math.random()));
      const controller = await watch.watch(
        path,
        { resourceVersion, allowWatchBookmarks: true, timeoutSeconds, ...selector },
        (type: string, object: unknown) => onEvent({ type, object }),
        onDone,
      );
      return { abort: () => controller.abort() };
    },
  };
}
