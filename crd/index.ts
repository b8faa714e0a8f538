// Public surface of the MonitoringStack CRD definition. Pure (no I/O, no Node
// builtins), so workflow code may import it too.
export * from './constants.js';
export * from './primitives.js';
export * from './backend.js';
export * from './prometheus.js';
export * from './exposure.js';
export * from './exposure-mode.js';
export * from './grafana.js';
export * from './datasource-name.js';
export * from './status.js';
export * from './spec.js';
export * from './resource.js';
export * from './openapi.js';
export * from './manifest.js';
