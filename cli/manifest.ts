import fs from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import { API_VERSION, KIND } from '../crd/constants.js';
import { MAX_STACK_NAME_LENGTH, STACK_NAME_PATTERN } from '../crd/resource.js';
import { dnsLabel } from '../crd/primitives.js';
import {
  parseMonitoringStackSpec,
  type MonitoringStackSpec,
  type MonitoringStackSpecInput,
} from '../crd/spec.js';
import { usageError } from './errors.js';

export interface StackManifest {
  namespace: string;
  name: string;
  /** As written (for the CR): defaults are left to the apiserver. */
  specInput: MonitoringStackSpecInput;
  /** Parsed, defaults applied (for --direct). */
  spec: MonitoringStackSpec;
  labels?: Record<string, string>;
}

const Header = z.object({
  apiVersion: z.literal(API_VERSION, { error: `must be ${API_VERSION}` }),
  kind: z.literal(KIND, { error: `must be ${KIND}` }),
  metadata: z.object({
    name: z
      .string()
      .max(MAX_STACK_NAME_LENGTH)
      .regex(new RegExp(STACK_NAME_PATTERN), 'must be a lowercase DNS label starting with a letter'),
    namespace: dnsLabel.optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.record(z.string(), z.unknown(), { error: 'spec is required and must be a mapping' }),
});

/** Reads one or more MonitoringStacks from a YAML file ('-' = stdin); every problem names the document and field. */
export function readStackManifests(file: string, defaultNamespace: string): StackManifest[] {
  let text: string;
  try {
    text = file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw usageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const docs = YAML.parseAllDocuments(text);
  const out: StackManifest[] = [];
  docs.forEach((doc, i) => {
    const where = docs.length > 1 ? `${file} (document ${i + 1})` : file;
    if (doc.errors.length) throw usageError(`${where} is not valid YAML: ${doc.errors[0]?.message}`);
    const raw: unknown = doc.toJS();
    if (raw === null || raw === undefined) return;
    const head = Header.safeParse(raw);
    if (!head.success) throw usageError(`${where} is not a MonitoringStack:\n${z.prettifyError(head.error)}`);
    const spec = parseMonitoringStackSpec(head.data.spec);
    if (!spec.ok) throw usageError(`${where}: invalid spec:\n${spec.error}`);
    out.push({
      namespace: head.data.metadata.namespace ?? defaultNamespace,
      name: head.data.metadata.name,
      specInput: head.data.spec as MonitoringStackSpecInput,
      spec: spec.spec,
      ...(head.data.metadata.labels ? { labels: head.data.metadata.labels } : {}),
    });
  });
  if (out.length === 0) throw usageError(`${file} contains no MonitoringStack`);
  return out;
}

/** `<namespace>/<name>`, or `<name>` in the default namespace. */
export function parseTarget(target: string, defaultNamespace: string): { namespace: string; name: string } {
  const parts = target.split('/');
  const [namespace, name] = parts.length === 2 ? parts : [defaultNamespace, parts[0]];
  const ok =
    parts.length <= 2 &&
    dnsLabel.safeParse(namespace).success &&
    new RegExp(STACK_NAME_PATTERN).test(name ?? '');
  if (!ok || !namespace || !name)
    throw usageError(`'${target}' is not <namespace>/<name> of a MonitoringStack`);
  return { namespace, name };
}
