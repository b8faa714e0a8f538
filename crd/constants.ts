/** API identity of the MonitoringStack custom resource. Everything else derives its names from here. */
export const GROUP = 'stackwright.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}` as const;
export const KIND = 'MonitoringStack';
export const LIST_KIND = 'MonitoringStackList';
export const PLURAL = 'monitoringstacks';
export const SINGULAR = 'monitoringstack';
export const SHORT_NAMES = ['mstack'];
export const CRD_NAME = `${PLURAL}.${GROUP}` as const;

/** Held while a stack's Grafana datasource and cluster objects may still exist. */
export const FINALIZER = 'stackwright.dev/teardown';

/** Server-side apply field manager for everything the operator writes. */
export const FIELD_MANAGER = 'stackwright';
