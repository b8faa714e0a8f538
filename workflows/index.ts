// Workflow bundle entry: every workflow type the worker registers.
export { stackWorkflow } from './stack.js';
export { provisionWorkflow } from './provision.js';
export { teardownWorkflow } from './teardown.js';
export { driftWorkflow } from './drift.js';
export { grafanaSweepWorkflow } from './grafana-sweep.js';
