import { CRD_NAME, GROUP, KIND, LIST_KIND, PLURAL, SHORT_NAMES, SINGULAR, VERSION } from './constants.js';
import { monitoringStackOpenApiSchema } from './openapi.js';

/** The apiextensions.k8s.io/v1 CustomResourceDefinition, as an object ready to serialise. */
export function monitoringStackCrd() {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: CRD_NAME, labels: { 'app.kubernetes.io/part-of': 'stackwright' } },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        kind: KIND,
        listKind: LIST_KIND,
        plural: PLURAL,
        singular: SINGULAR,
        shortNames: SHORT_NAMES,
        categories: ['stackwright'],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          // The operator writes status through /status so users' spec edits and its
          // status updates never conflict, and status changes do not bump generation.
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
            { name: 'Prometheus', type: 'string', jsonPath: '.status.prometheus.externalUrl' },
            { name: 'Datasource', type: 'string', jsonPath: '.status.datasource.uid' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: { openAPIV3Schema: monitoringStackOpenApiSchema() },
        },
      ],
    },
  };
}
