import type {
  V1ConfigMap,
  V1PersistentVolumeClaim,
  V1PolicyRule,
  V1Probe,
  V1Role,
  V1RoleBinding,
  V1Service,
  V1ServiceAccount,
  V1StatefulSet,
  V1Volume,
} from '@kubernetes/client-node';
import { prometheusImage, type ManagedPrometheusSpec, type MonitoringStackSpec } from '../../crd/index.js';
import { objectNames, stackLabels, type StackRef } from '../../domain/stack-ref.js';
import { objectMeta, selectorLabels } from './metadata.js';
import type { Manifest } from './objects.js';
import { configHash, PROMETHEUS_PORT, prometheusConfig, routePrefix } from './prometheus-config.js';

export const CONFIG_HASH_ANNOTATION = 'stackwright.dev/config-hash';
const CONFIG_FILE = 'prometheus.yml';
const DATA_VOLUME = 'data';
// The `nobody` user of the upstream image; Prometheus needs no privileges.
const NOBODY = 65534;

const apiVersion = {
  core: 'v1',
  apps: 'apps/v1',
  rbac: 'rbac.authorization.k8s.io/v1',
} as const;

/** Everything applyPrometheus applies, in an order where each object's dependencies come first. */
/** Prometheus' shutdown grace, the same for every backend, so undo and teardown wait at most this long. */
export const PROMETHEUS_TERMINATION_GRACE_SECONDS = 120;

export function prometheusManifests(
  ref: StackRef,
  spec: MonitoringStackSpec,
  p: ManagedPrometheusSpec,
): Manifest[] {
  const names = objectNames(ref);
  const prefix = routePrefix(spec);
  const config = prometheusConfig(ref, prefix);

  const rbac = prometheusRbac(ref);

  const configMap: V1ConfigMap = {
    apiVersion: apiVersion.core,
    kind: 'ConfigMap',
    metadata: objectMeta(ref, names.configMap),
    data: { [CONFIG_FILE]: config },
  };

  const service: V1Service = {
    apiVersion: apiVersion.core,
    kind: 'Service',
    metadata: objectMeta(ref, names.service),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(ref),
      ports: [{ name: 'web', port: PROMETHEUS_PORT, targetPort: 'web', protocol: 'TCP' }],
    },
  };

  return [...rbac, configMap, service, statefulSet(ref, p, prefix, configHash(config))] as Manifest[];
}

// Read-only, this namespace only: what kubernetes_sd_configs needs (and, with
// prometheus-operator, what ServiceMonitors and PodMonitors discover with: its
// default service discovery role is Endpoints).
const DISCOVERY_RULES: V1PolicyRule[] = [
  { apiGroups: [''], resources: ['pods', 'services', 'endpoints'], verbs: ['get', 'list', 'watch'] },
];

/** Prometheus' ServiceAccount, with a Role for service discovery in the stack's namespace, bound to it. */
export function prometheusRbac(ref: StackRef, rules: V1PolicyRule[] = DISCOVERY_RULES): Manifest[] {
  const name = objectNames(ref).serviceAccount;
  const serviceAccount: V1ServiceAccount = {
    apiVersion: apiVersion.core,
    kind: 'ServiceAccount',
    metadata: objectMeta(ref, name),
  };
  const role: V1Role = { apiVersion: apiVersion.rbac, kind: 'Role', metadata: objectMeta(ref, name), rules };
  const roleBinding: V1RoleBinding = {
    apiVersion: apiVersion.rbac,
    kind: 'RoleBinding',
    metadata: objectMeta(ref, name),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name, namespace: ref.namespace }],
  };
  return [serviceAccount, role, roleBinding] as Manifest[];
}

function statefulSet(ref: StackRef, p: ManagedPrometheusSpec, prefix: string, hash: string): V1StatefulSet {
  const names = objectNames(ref);
  const labels = selectorLabels(ref);
  const probe = (path: string, failureThreshold: number): V1Probe => ({
    httpGet: { path: `${prefix}${path}`, port: 'web' },
    periodSeconds: 10,
    timeoutSeconds: 3,
    failureThreshold,
  });

  const volumes: V1Volume[] = [{ name: 'config', configMap: { name: names.configMap } }];
  const claims: V1PersistentVolumeClaim[] = [];
  if (p.storage) {
    claims.push({
      apiVersion: apiVersion.core,
      kind: 'PersistentVolumeClaim',
      metadata: { name: DATA_VOLUME, labels },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: p.storage.size } },
        ...(p.storage.storageClassName !== undefined && { storageClassName: p.storage.storageClassName }),
      },
    });
  } else {
    volumes.push({ name: DATA_VOLUME, emptyDir: {} });
  }

  return {
    apiVersion: apiVersion.apps,
    kind: 'StatefulSet',
    metadata: objectMeta(ref, names.statefulSet),
    spec: {
      replicas: p.replicas,
      serviceName: names.service,
      selector: { matchLabels: labels },
      // Replicas are independent scrapers: start them together, and one stuck pod does not hold back the rest.
      podManagementPolicy: 'Parallel',
      // The claims go with the StatefulSet (deletionPolicy Delete); orphaning keeps the StatefulSet and so them.
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' },
      template: {
        metadata: { labels: stackLabels(ref), annotations: { [CONFIG_HASH_ANNOTATION]: hash } },
        spec: {
          serviceAccountName: names.serviceAccount,
          terminationGracePeriodSeconds: PROMETHEUS_TERMINATION_GRACE_SECONDS,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: NOBODY,
            runAsGroup: NOBODY,
            fsGroup: NOBODY,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'prometheus',
              image: prometheusImage(p),
              args: [
                `--config.file=/etc/prometheus/${CONFIG_FILE}`,
                '--storage.tsdb.path=/prometheus',
                `--storage.tsdb.retention.time=${p.retention}`,
                ...(prefix !== '' ? [`--web.route-prefix=${prefix}`] : []),
              ],
              ports: [{ name: 'web', containerPort: PROMETHEUS_PORT, protocol: 'TCP' }],
              readinessProbe: probe('/-/ready', 3),
              livenessProbe: { ...probe('/-/healthy', 6), initialDelaySeconds: 30 },
              ...(p.resources && { resources: p.resources }),
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [
                { name: 'config', mountPath: '/etc/prometheus', readOnly: true },
                { name: DATA_VOLUME, mountPath: '/prometheus' },
              ],
            },
          ],
          volumes,
        },
      },
      ...(claims.length > 0 && { volumeClaimTemplates: claims }),
    },
  };
}
