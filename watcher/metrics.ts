// The watcher's own metrics, rendered in the Prometheus text format (0.0.4)
// without a client library: a handful of counters and one gauge.

const DEFINITIONS = {
  stackwright_watcher_events_total: { type: 'counter', help: 'MonitoringStack events seen, by type.' },
  stackwright_watcher_workflows_started_total: {
    type: 'counter',
    help: 'Stack workflows started (update-with-start found none running).',
  },
  stackwright_watcher_workflows_signalled_total: {
    type: 'counter',
    help: 'New spec generations handed to a running stack workflow.',
  },
  stackwright_watcher_workflows_unchanged_total: {
    type: 'counter',
    help: 'Hand-overs the stack workflow already had (it answered duplicate or stale generation).',
  },
  stackwright_watcher_workflows_known_total: {
    type: 'counter',
    help: 'Stacks whose running workflow already held their generation when this term began (listed, no RPC).',
  },
  stackwright_watcher_teardowns_total: { type: 'counter', help: 'Teardowns requested from stack workflows.' },
  stackwright_watcher_finalizers_removed_total: {
    type: 'counter',
    help: 'Finalizers removed after a finished teardown.',
  },
  stackwright_watcher_invalid_specs_total: {
    type: 'counter',
    help: 'Spec generations rejected as invalid (InvalidSpec condition written).',
  },
  stackwright_watcher_errors_total: { type: 'counter', help: 'Errors, by where they happened.' },
  stackwright_watcher_watch_restarts_total: { type: 'counter', help: 'Watch restarts, by reason.' },
  stackwright_watcher_leader: { type: 'gauge', help: '1 while this watcher holds the lease and acts.' },
} as const;

export type MetricName = keyof typeof DEFINITIONS;
type Labels = Record<string, string>;

const labelKey = (labels: Labels = {}) =>
  Object.keys(labels)
    .sort()
    .map(
      (k) => `${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
    )
    .join(',');

export class WatcherMetrics {
  private readonly values = new Map<MetricName, Map<string, number>>();

  inc(name: MetricName, labels?: Labels, by = 1): void {
    const series = this.series(name);
    const key = labelKey(labels);
    series.set(key, (series.get(key) ?? 0) + by);
  }

  set(name: MetricName, value: number, labels?: Labels): void {
    this.series(name).set(labelKey(labels), value);
  }

  /** Current value of one series (0 when never touched). */
  get(name: MetricName, labels?: Labels): number {
    return this.values.get(name)?.get(labelKey(labels)) ?? 0;
  }

  /** Sum over all label values of a metric. */
  total(name: MetricName): number {
    return [...(this.values.get(name)?.values() ?? [])].reduce((a, b) => a + b, 0);
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, def] of Object.entries(DEFINITIONS) as [
      MetricName,
      (typeof DEFINITIONS)[MetricName],
    ][]) {
      lines.push(`# HELP ${name} ${def.help}`, `# TYPE ${name} ${def.type}`);
      const series = this.values.get(name);
      // An untouched unlabelled metric still shows as 0, so dashboards see it exists.
      if (!series || series.size === 0) lines.push(`${name} 0`);
      for (const [key, v] of series ?? []) lines.push(`${name}${key ? `{${key}}` : ''} ${v}`);
    }
    return `${lines.join('\n')}\n`;
  }

  private series(name: MetricName): Map<string, number> {
    let s = this.values.get(name);
    if (!s) this.values.set(name, (s = new Map()));
    return s;
  }
}
