/**
 * STACKWRIGHT_PORT_OFFSET shifts every port, so two checkouts (each with its own
 * .stackwright/) can run their local stacks side by side on one machine.
 */
export const PORT_OFFSET = (() => {
  const raw = process.env.STACKWRIGHT_PORT_OFFSET ?? '0';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 20_000) {
    throw new Error(`STACKWRIGHT_PORT_OFFSET must be an integer from 0 to 20000, got '${raw}'`);
  }
  return n;
})();

const BASE_PORTS = {
  etcdClient: 2379,
  etcdPeer: 2380,
  apiserver: 6443,
  controllerManager: 10257,
  scheduler: 10259,
  kwok: 10247,
  temporal: 7233,
  temporalUi: 8233,
  temporalHttp: 7243,
  temporalMetrics: 7235,
  prometheus: 9090,
  grafana: 3000,
  prometheusOperator: 8089,
} as const;

/** Every port the local stack binds, all on 127.0.0.1. */
export const PORTS = Object.fromEntries(Object.entries(BASE_PORTS).map(([k, v]) => [k, v + PORT_OFFSET])) as {
  readonly [K in keyof typeof BASE_PORTS]: number;
};
