import type { StackView } from '../workflows/definitions.js';
import type { FleetStack } from '../client/fleet.js';
import type { StackSummary } from './stacks.js';

export type OutputFormat = 'table' | 'json';

export const printJson = (v: unknown): void => void process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);

/** Left-aligned columns, kubectl style. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export function age(createdAt: string | undefined, now = Date.now()): string {
  if (!createdAt) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(createdAt)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

export function stacksTable(stacks: StackSummary[]): string {
  return table(
    ['NAMESPACE', 'NAME', 'PHASE', 'PROMETHEUS', 'DATASOURCE', 'AGE'],
    stacks.map((s) => [
      s.namespace,
      s.source === 'cluster' ? s.name : `${s.name} (${s.source})`,
      s.phase,
      s.prometheusUrl ?? '-',
      s.datasource?.uid ?? '-',
      age(s.createdAt),
    ]),
  );
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** `list --all-clusters`: every cluster's stacks, from Temporal. */
export function fleetTable(stacks: FleetStack[]): string {
  return table(
    ['CLUSTER', 'NAMESPACE', 'NAME', 'PHASE', 'CURRENT STEP', 'DATASOURCE', 'AGE'],
    stacks.map((s) => [
      s.cluster,
      s.namespace,
      s.name,
      s.phase,
      s.currentStep
        ? `${s.currentStep}${s.currentStepMessage ? `: ${clip(s.currentStepMessage, 60)}` : ''}`
        : '-',
      s.datasourceUid ?? '-',
      age(s.startedAt),
    ]),
  );
}

const SOURCE_NOTE: Record<StackSummary['source'], string> = {
  cluster: '',
  direct: ' (direct: no MonitoringStack resource)',
  workflow: ' (as its workflow reports it: no kubeconfig for this cluster here)',
};

export function stackDetail(s: StackSummary): string {
  const lines = [
    `Name:         ${s.namespace}/${s.name}${SOURCE_NOTE[s.source]}`,
    `Phase:        ${s.phase}`,
    `Generation:   ${s.generation ?? '-'} (observed ${s.observedGeneration ?? '-'})`,
    `Prometheus:   ${s.prometheusUrl ?? '-'}`,
    `Datasource:   ${s.datasource?.uid ?? '-'}${s.datasource?.name ? ` "${s.datasource.name}"` : ''}${s.datasource?.grafanaInstance ? ` in Grafana '${s.datasource.grafanaInstance}'` : ''}`,
    `Workflow:     ${s.workflowId}`,
    `Temporal UI:  ${s.temporalUi}`,
  ];
  if (s.lastError) lines.push(`Last error:   [${s.lastError.step}] ${s.lastError.message}`);
  if (s.conditions.length) {
    lines.push('Conditions:');
    lines.push(
      table(
        ['  TYPE', 'STATUS', 'REASON', 'MESSAGE'],
        s.conditions.map((c) => [
          `  ${c.type}`,
          c.status,
          c.reason,
          c.message.length > 100 ? `${c.message.slice(0, 99)}…` : c.message,
        ]),
      ).trimEnd(),
    );
  }
  return lines.join('\n') + '\n';
}

/** The saga's steps as the workflow reports them: what is done, what runs now. */
export function stepsDetail(v: StackView): string {
  const lines = [`Current step: ${v.currentStep ?? '(idle)'}${v.paused ? '  [paused]' : ''}`];
  if (v.lastDrift) {
    const drifted = [...v.lastDrift.kubernetes, ...v.lastDrift.grafana];
    lines.push(
      `Last drift check: ${v.lastDrift.at}: ${drifted.length ? `repaired ${drifted.join(', ')}` : 'no drift'}`,
    );
  }
  lines.push('Steps:');
  lines.push(
    table(
      ['  AT', 'STEP', 'STATE', 'MESSAGE'],
      v.steps.map((s) => [`  ${s.at}`, s.step, s.state, s.message]),
    ).trimEnd(),
  );
  return lines.join('\n') + '\n';
}
