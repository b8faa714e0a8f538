import { Watch, type CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import { GROUP, PLURAL, VERSION } from '../crd/constants.js';
import type { ListWatchSource } from './informer.js';

const ListSchema = z.object({
  metadata: z.object({ resourceVersion: z.string().min(1), continue: z.string().optional() }),
  items: z.array(z.unknown()),
});

/**
 * MonitoringStacks of one namespace (or all, when `namespace` is undefined) as
 * an informer source. Lists are read in pages of `pageSize` (limit/continue:
 * one consistent snapshot, at the first page's resourceVersion, without one
 * response of every stack at once); a continue token that expired meanwhile
 * answers 410, and the informer lists again from the start. Watches ask for
 * bookmarks, so a quiet watch still shows life about once a minute, and carry
 * a jittered server-side timeout, so the apiserver spreads the watchers' renewals.
 */
export function monitoringStackSource(
  kubeConfig: KubeConfig,
  custom: CustomObjectsApi,
  namespace: string | undefined,
  watchTimeoutSeconds: number,
  labelSelector?: string,
  pageSize = 500,
): ListWatchSource {
  const selector = labelSelector ? { labelSelector } : {};
  const base = `/apis/${GROUP}/${VERSION}`;
  const path = namespace ? `${base}/namespaces/${namespace}/${PLURAL}` : `${base}/${PLURAL}`;
  const watch = new Watch(kubeConfig);
  return {
    name: namespace ?? '*',
    async list() {
      const items: unknown[] = [];
      let resourceVersion: string;
      let token: string | undefined;
      do {
        const page = { ...selector, limit: pageSize, ...(token ? { _continue: token } : {}) };
        const raw = namespace
          ? await custom.listNamespacedCustomObject({
              group: GROUP,
              version: VERSION,
              namespace,
              plural: PLURAL,
              ...page,
            })
          : await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, ...page });
        const list = ListSchema.parse(raw);
        for (const item of list.items) items.push(item);
        // Every page carries the snapshot's resourceVersion; the watch starts from it.
        resourceVersion = list.metadata.resourceVersion;
        token = list.metadata.continue || undefined;
      } while (token);
      return { items, resourceVersion };
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
