/** Identity reported by the Grafana emulator (test infrastructure, not Grafana). */
export const EMULATOR_VERSION = '12.0.0-stackwright-emulator';
export const EMULATOR_COMMIT = 'stackwright-emulator';
