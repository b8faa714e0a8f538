import { z } from 'zod';

// Leaf schemas shared by the spec and status. Every regex here is also emitted
// as an OpenAPI `pattern`, which the apiserver runs with Go's RE2: no
// lookarounds or backreferences.

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// Unsigned Kubernetes quantity: decimal or binary SI suffix, or an exponent.
const QUANTITY = /^([0-9]+(\.[0-9]*)?|\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][-+]?[0-9]+)?$/;
// Qualified name, as for label and annotation keys: optional DNS-subdomain prefix + "/" + name.
const QUALIFIED_NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
// Prometheus model.Duration units, largest first, each at most once.
const PROMETHEUS_DURATION = /^([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?$/;

/** RFC 1123 label, e.g. a Grafana instance key. */
export const dnsLabel = z
  .string()
  .min(1)
  .max(63)
  .regex(
    DNS_LABEL,
    'must be a DNS label: lowercase letters, digits and "-", starting and ending alphanumeric',
  );

/** RFC 1123 subdomain, e.g. a host name or a Secret / StorageClass / IngressClass name. */
export const dnsSubdomain = z
  .string()
  .min(1)
  .max(253)
  .regex(DNS_SUBDOMAIN, 'must be a DNS subdomain: lowercase letters, digits, "-" and "."');

/**
 * Kubernetes quantity. Accepts a YAML number (`cpu: 2`) as Kubernetes does
 * (int-or-string) and always yields the string form, so consumers see one type.
 */
const QUANTITY_HINT = 'must be a Kubernetes quantity such as 500m, 2, 512Mi or 10Gi';
export const quantity = z
  .union([z.int().min(0), z.string().max(64).regex(QUANTITY, QUANTITY_HINT)], {
    // Seen when neither branch fits, e.g. `cpu: 0.5`: Kubernetes takes only integers unquoted.
    error: `${QUANTITY_HINT} (quote fractions: "0.5")`,
  })
  .transform(String)
  .meta({ 'x-kubernetes-int-or-string': true });

/** Prometheus duration such as `15d`, `12h` or `1w3d`. */
export const prometheusDuration = z
  .string()
  .min(1)
  .max(32)
  .regex(
    PROMETHEUS_DURATION,
    'must be a Prometheus duration such as 15d, 12h or 1w3d (units y w d h m s ms)',
  );

/**
 * Absolute http(s) URL. z.url checks it parses and its scheme; the `pattern`
 * gives the apiserver the same scheme check (its `format: uri` alone takes any
 * scheme).
 */
export const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an absolute http:// or https:// URL' })
  .max(2048)
  .meta({ pattern: '^https?://[^\\s/?#]+' });

/** A label or annotation key such as example.com/name. */
export const qualifiedName = z
  .string()
  .max(317)
  .regex(QUALIFIED_NAME, 'must be a key such as example.com/name (DNS-subdomain prefix, "/", name)');

/** A label selector by labels only (matchLabels), as Kubernetes writes it. */
export const labelSelector = z
  .strictObject({
    matchLabels: boundedRecord(
      qualifiedName,
      z.string().max(63).regex(LABEL_VALUE, 'must be a label value: at most 63 of A-Z a-z 0-9 - _ .'),
      32,
    )
      .optional()
      .describe('Labels an object must carry, all of them.'),
  })
  .describe('Label selector; {} selects everything.');

/** RFC 3339 timestamp, as metav1.Time serialises (with offset tolerated). */
export const timestamp = z.iso.datetime({ offset: true });

/** Object with at most `max` entries (Kubernetes needs the bound to cost CEL rules). */
export function boundedRecord<V extends z.ZodType>(key: z.ZodString, value: V, max: number) {
  return z
    .record(key, value)
    .refine((r) => Object.keys(r).length <= max, `must have at most ${max} entries`)
    .meta({ maxProperties: max });
}

/** CEL transition rule: once stored, the field cannot change. */
export function immutable(field: string) {
  return { 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: `${field} is immutable` }] };
}
