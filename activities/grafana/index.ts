// The Grafana side of Stackwright, for the worker: config loading and the activities.
export {
  createGrafanaActivities,
  type GrafanaActivities,
  type GrafanaActivitiesOptions,
} from './activities.js';
export {
  GRAFANA_CONFIG_ENV,
  GrafanaInstances,
  loadGrafanaInstances,
  type GrafanaConfig,
  type GrafanaInstanceConfig,
} from './config.js';
export type * from './types.js';
