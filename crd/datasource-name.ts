// Zod-free, so workflow code can name a stack's datasource without loading the schemas.
import { fnv1a32 } from '../domain/fnv.js';

/** Grafana stores data_source.name as varchar(190); longer names fail on MySQL/Postgres backends. */
export const GRAFANA_DATASOURCE_NAME_MAX_BYTES = 190;

/** UTF-8 byte length without TextEncoder, so this module stays usable in the workflow sandbox. */
export function utf8ByteLength(s: string): number {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

/**
 * `<cluster>/<namespace>/<name>`: unique across every cluster sharing one
 * Grafana. If that exceeds Grafana's byte limit, the tail is replaced by a hash
 * of the full name so the result stays unique and stable.
 */
export function defaultDatasourceName(clusterName: string, namespace: string, name: string): string {
  const full = `${clusterName}/${namespace}/${name}`;
  if (utf8ByteLength(full) <= GRAFANA_DATASOURCE_NAME_MAX_BYTES) return full;
  const suffix = `~${fnv1a32(full)}`;
  let head = '';
  let bytes = suffix.length;
  for (const ch of full) {
    bytes += utf8ByteLength(ch);
    if (bytes > GRAFANA_DATASOURCE_NAME_MAX_BYTES) break;
    head += ch;
  }
  return head + suffix;
}

/** The datasource name a stack registers under: spec.grafana.name, else the default. */
export function datasourceName(
  stack: { metadata: { namespace: string; name: string }; spec: { grafana: { name?: string | undefined } } },
  clusterName: string,
): string {
  return (
    stack.spec.grafana.name ??
    defaultDatasourceName(clusterName, stack.metadata.namespace, stack.metadata.name)
  );
}
