import type { BenchContext } from '../lib/context.js';
import { newFigure, type FigureResult } from '../lib/figure.js';
import type { StackwrightSession } from '../lib/fleet.js';
import { sleep } from '../lib/clock.js';
import { Convergence } from '../lib/grafana.js';
import { expectedDatasourceName } from '../lib/stack-specs.js';
import { round, seconds } from '../lib/stats.js';

/**
 * P7: with N stacks Ready, 10% of their datasources are deleted or edited by
 * hand in Grafana and nobody asks for a drift check → time until all are
 * repaired; then what detection costs in Grafana requests per minute, idle.
 */
export async function driftRepair(ctx: BenchContext, s: StackwrightSession): Promise<FigureResult> {
  const n = s.names.length;
  const fig = newFigure(
    'P7',
    `drift repair: 10% of ${n} datasources deleted or edited by hand → all repaired`,
    '≤ 30 s, constant Grafana calls per instance per sweep',
  );
  const victims = s.names.filter((_, i) => i % 10 === 0);
  const http = ctx.grafana.http;
  for (const [i, name] of victims.entries()) {
    const uid = s.datasourceUid(name);
    ctx.grafana.ownRequests++;
    if (i % 2 === 0) {
      await http.delete(`/api/datasources/uid/${uid}`);
    } else {
      const cur = (await http.get(`/api/datasources/uid/${uid}`)).data as Record<string, unknown>;
      ctx.grafana.ownRequests += 2;
      await http.put(`/api/datasources/uid/${uid}`, { ...cur, url: 'http://127.0.0.1:1' });
    }
  }
  const tampered = Date.now();
  const expected = new Map(
    victims.map((nm) => [expectedDatasourceName(s.namespace, nm), ctx.env.vars.PROMETHEUS_URL]),
  );
  const conv = new Convergence(ctx.grafana, expected, true, 500).start();
  const limitMs = ctx.quick ? 60_000 : 360_000;
  let repairedS: number | null = null;
  try {
    repairedS = seconds((await conv.done(limitMs)) - tampered);
  } catch {
    fig.notes.push(
      `${expected.size - conv.at.size} of ${expected.size} not repaired within ${limitMs / 1000}s`,
    );
  } finally {
    conv.stop();
  }
  ctx.say(
    `  P7: ${conv.at.size}/${expected.size} repaired${repairedS !== null ? ` in ${repairedS}s` : ` within ${limitMs / 1000}s`}`,
  );

  // Quick: three sweeps (10 s apart), so the quick run stays under 6 minutes; full: eighteen.
  const windowMs = ctx.quick ? 30_000 : 180_000;
  await ctx.grafana.resetCounts();
  await sleep(windowMs);
  const { total, snapshot } = await ctx.grafana.contenderRequests();
  const perMinute = round((total * 60_000) / windowMs, 1);
  fig.figures = {
    n,
    tampered: victims.length,
    repaired: conv.at.size,
    repair_s: repairedS,
    limit_s: limitMs / 1000,
    detection_requests_per_minute: perMinute,
    detection_requests_per_stack_per_minute: round(perMinute / n, 2),
    detection_by_route: JSON.stringify(snapshot.byRoute),
  };
  fig.met = repairedS !== null && repairedS <= 30 && perMinute / n < 1;
  return fig;
}
