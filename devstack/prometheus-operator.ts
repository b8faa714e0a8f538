import { PORTS, run, type Component } from './components.js';
import { probeHttp } from './net.js';
import { kubeconfigPath } from './paths.js';
import { waitCrdsEstablished } from './crd-established.js';

// `dev up --with prometheus-operator`: the real prometheus-operator (built from
// its Go module, tools/prometheus-operator), so PrometheusOperator stacks run
// against it. kwok makes the StatefulSets it creates Ready. Its CRDs come from the
// same module version in the Go module cache (build-tools.sh puts them next to
// the binary), never from a copy in this repo.

const localhost = '127.0.0.1';

/** The optional components `dev up --with` knows. */
export const OPTIONAL_COMPONENTS = ['prometheus-operator'] as const;
export type OptionalComponent = (typeof OPTIONAL_COMPONENTS)[number];

export const PROMETHEUS_OPERATOR_URL = `http://${localhost}:${PORTS.prometheusOperator}`;

export const prometheusOperator: Component = {
  name: 'prometheus-operator',
  ports: [PORTS.prometheusOperator],
  endpoints: { metrics: PROMETHEUS_OPERATOR_URL },
  start: ({ tools }) => {
    if (!tools.prometheusOperator) throw new Error('prometheus-operator was not built');
    return {
      component: 'prometheus-operator',
      bin: tools.prometheusOperator,
      args: [`--web.listen-address=${localhost}:${PORTS.prometheusOperator}`, '--log-level=info'],
      // It has no kubeconfig flag: it reads KUBECONFIG.
      env: { KUBECONFIG: kubeconfigPath() },
    };
  },
  ready: () => probeHttp({ url: `${PROMETHEUS_OPERATOR_URL}/healthz` }),
  readyTimeoutMs: 60_000,
};

const CRDS = ['prometheuses', 'servicemonitors', 'podmonitors'].map((r) => `crd/${r}.monitoring.coreos.com`);

/** Installs (server-side: they are too big for client-side apply's annotation) and waits for its CRDs. */
export async function installOperatorCrds(kubectl: string, crdsFile: string): Promise<void> {
  const kc = ['--kubeconfig', kubeconfigPath()];
  await run(
    kubectl,
    [...kc, 'apply', '--server-side', '--force-conflicts', '--field-manager=stackwright-dev', '-f', crdsFile],
    undefined,
    60_000,
  );
  await waitCrdsEstablished(kubectl, kubeconfigPath(), CRDS);
}
