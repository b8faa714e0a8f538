// The Grafana side of Stackwright, for the worker: config loading, the activities, log redaction.
export {
  createGrafanaActivities,
  type GrafanaActivities,
  type GrafanaActivitiesOptions,
} from './activities.js';
export {
  GRAFANA_CONFIG_ENV,
  GRAFANA_REDACT_PATHS,
  GrafanaInstances,
  loadGrafanaInstances,
  type GrafanaConfig,
  type GrafanaInstanceConfig,
} from './config.js';
export type * from './types.js';
