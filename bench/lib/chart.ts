/** A small SVG line chart (our own code, no dependency): datasources converged over time, one panel per case. */
export interface Series {
  label: string;
  points: [number, number][];
}
export interface Panel {
  title: string;
  series: Series[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const W = 560;
const H = 300;
const M = { left: 56, right: 16, top: 36, bottom: 44 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceMax(x: number): number {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

function panelSvg(panel: Panel, ox: number, oy: number): string {
  const tMax = niceMax(Math.max(1, ...panel.series.flatMap((s) => s.points.map((p) => p[0]))));
  const yMax = niceMax(Math.max(1, ...panel.series.flatMap((s) => s.points.map((p) => p[1]))));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (t: number) => ox + M.left + (t / tMax) * pw;
  const y = (v: number) => oy + M.top + ph - (v / yMax) * ph;
  const out: string[] = [];
  out.push(
    `<text x="${ox + W / 2}" y="${oy + 20}" text-anchor="middle" font-weight="bold">${esc(panel.title)}</text>`,
  );
  for (let i = 0; i <= 5; i++) {
    const t = (tMax * i) / 5;
    const v = (yMax * i) / 5;
    out.push(`<line x1="${x(t)}" y1="${y(0)}" x2="${x(t)}" y2="${y(yMax)}" stroke="#eee"/>`);
    out.push(`<line x1="${x(0)}" y1="${y(v)}" x2="${x(tMax)}" y2="${y(v)}" stroke="#eee"/>`);
    out.push(`<text x="${x(t)}" y="${y(0) + 16}" text-anchor="middle">${+t.toFixed(1)}</text>`);
    out.push(`<text x="${x(0) - 6}" y="${y(v) + 4}" text-anchor="end">${Math.round(v)}</text>`);
  }
  out.push(`<line x1="${x(0)}" y1="${y(0)}" x2="${x(tMax)}" y2="${y(0)}" stroke="#333"/>`);
  out.push(`<line x1="${x(0)}" y1="${y(0)}" x2="${x(0)}" y2="${y(yMax)}" stroke="#333"/>`);
  out.push(
    `<text x="${ox + M.left + pw / 2}" y="${oy + H - 8}" text-anchor="middle">seconds since applied</text>`,
  );
  out.push(
    `<text transform="translate(${ox + 14},${oy + M.top + ph / 2}) rotate(-90)" text-anchor="middle">datasources converged</text>`,
  );
  panel.series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length]!;
    // A step curve: the count holds until the next datasource converges.
    const pts: string[] = [];
    let last = 0;
    for (const [t, v] of s.points) {
      pts.push(`${x(t).toFixed(1)},${y(last).toFixed(1)}`, `${x(t).toFixed(1)},${y(v).toFixed(1)}`);
      last = v;
    }
    out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.join(' ')}"/>`);
    const ly = oy + M.top + 14 + i * 16;
    out.push(`<rect x="${x(tMax) - 230}" y="${ly - 9}" width="10" height="10" fill="${c}"/>`);
    out.push(`<text x="${x(tMax) - 215}" y="${ly}">${esc(s.label)}</text>`);
  });
  return out.join('\n');
}

export function convergenceChart(panels: Panel[], caption: string): string {
  const cols = Math.min(2, Math.max(1, panels.length));
  const rows = Math.ceil(panels.length / cols);
  const width = cols * W;
  const height = rows * H + 28;
  const body = panels.map((p, i) => panelSvg(p, (i % cols) * W, Math.floor(i / cols) * H)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
${body}
<text x="8" y="${height - 10}" fill="#555">${esc(caption)}</text>
</svg>
`;
}
