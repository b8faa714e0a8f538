// The Temporal client side of Stackwright: what the watcher, the CLI and ops
// scripts use to start, signal and query stack workflows.
//   import { stacks } from 'stackwright/client';
export * as stacks from './stack-client.js';
export * as fleet from './fleet.js';
export { startGrafanaSweep } from './grafana-sweep.js';
