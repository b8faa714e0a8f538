import type { FigureResult } from './lib/figure.js';
import type { BenchSummary } from './summary.js';

const fmt = (v: unknown): string =>
  v === null || v === undefined
    ? '–'
    : typeof v === 'number'
      ? String(Math.round(v * 1000) / 1000)
      : String(v);

/** The table `npm run bench` prints: each case's min / median / max, then the summary keys. */
export function table(figures: FigureResult[], summary: BenchSummary): string {
  const rows: string[][] = [['figure', 'case', 'n', 'min', 'median', 'max', 'target', 'met']];
  for (const f of figures) {
    const entries = Object.entries(f.summaries);
    if (entries.length === 0) rows.push([f.id, f.title, '', '', '', '', f.target, fmt(f.met)]);
    entries.forEach(([name, s], i) =>
      rows.push([
        i === 0 ? f.id : '',
        name,
        String(s.n),
        fmt(s.min),
        fmt(s.median),
        fmt(s.max),
        i === 0 ? f.target : '',
        i === 0 ? (f.met === null ? 'n/a' : f.met ? 'yes' : 'NO') : '',
      ]),
    );
    for (const note of f.notes) rows.push(['', `note: ${note}`, '', '', '', '', '', '']);
  }
  const widths = rows[0]!.map((_, c) => Math.min(70, Math.max(...rows.map((r) => (r[c] ?? '').length))));
  const line = (r: string[]) => r.map((cell, c) => cell.slice(0, 70).padEnd(widths[c]!)).join('  ');
  const out = [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line), ''];
  out.push('summary (.stackwright/bench/summary.json):');
  for (const [k, v] of Object.entries(summary)) out.push(`  ${k.padEnd(34)} ${fmt(v)}`);
  return out.join('\n');
}
