// Zod-free (types only from the schema), so workflow code can switch on a
// parsed spec's exposure without loading the schemas.
import type { Exposure, IngressExposure, LoadBalancerExposure } from './exposure.js';

/** The one exposure mode of a parsed spec, as a union callers can switch on. */
export type ExposureMode =
  | { mode: 'url'; url: string }
  | { mode: 'ingress'; ingress: IngressExposure }
  | { mode: 'loadBalancer'; loadBalancer: LoadBalancerExposure };

export function exposureMode(e: Exposure): ExposureMode {
  if (e.url !== undefined) return { mode: 'url', url: e.url };
  if (e.ingress !== undefined) return { mode: 'ingress', ingress: e.ingress };
  if (e.loadBalancer !== undefined) return { mode: 'loadBalancer', loadBalancer: e.loadBalancer };
  throw new Error('exposure has no mode set; parse the spec with MonitoringStackSpecSchema first');
}
