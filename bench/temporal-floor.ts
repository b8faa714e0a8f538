// Temporal's floor for P2 on this machine: N workflows started at once, each
// making the one Grafana create (and optionally more no-op activities), with
// a worker in this process and the local stack's Temporal dev server. Prints
// min / median / max wall time and the CPU-seconds of the worker and of the
// Temporal server. Usage (after `npm run dev -- up`; reads .stackwright/env):
//   npx tsx bench/temporal-floor.ts [N=100] [activities per workflow=1] [repetitions=3]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import axios from 'axios';
import { execFileSync } from 'node:child_process';
import { bundlerOptions } from '../worker/bundle-options.js';
import { floorActivities } from './floor/activities.js';
import { loadBenchEnvOrExit } from './lib/env.js';
import { pool } from './lib/clock.js';
import { processUsage } from './lib/processes.js';
import { seconds, summarize } from './lib/stats.js';

const [n = 100, calls = 1, reps = 3] = process.argv.slice(2).map(Number);
const env = loadBenchEnvOrExit().vars;
const temporal = env.TEMPORAL_ADDRESS;
const grafanaUrl = env.GRAFANA_URL;
const token = env.GRAFANA_TOKEN;
const temporalPid = (() => {
  try {
    return Number(execFileSync('pgrep', ['-f', 'temporal server start-dev']).toString().split('\n')[0]);
  } catch {
    console.error("no Temporal dev server is running; run 'npm run dev -- up'");
    process.exit(3);
  }
})();

Runtime.install({ logger: new DefaultLogger('WARN') });
const taskQueue = `bench-floor-${Date.now()}`;
const worker = await Worker.create({
  connection: await NativeConnection.connect({ address: temporal }),
  namespace: env.TEMPORAL_NAMESPACE,
  taskQueue,
  workflowsPath: fileURLToPath(new URL('./floor/workflows.ts', import.meta.url)),
  bundlerOptions,
  activities: floorActivities(grafanaUrl, token, env.PROMETHEUS_URL),
});
const running = worker.run();
const client = new Client({
  connection: await Connection.connect({ address: temporal }),
  namespace: env.TEMPORAL_NAMESPACE,
});
const grafana = axios.create({ baseURL: grafanaUrl, headers: { Authorization: `Bearer ${token}` } });

const walls: number[] = [];
const rows: { wallS: number; workerCpuS: number; temporalCpuS: number }[] = [];
for (let rep = 0; rep < reps; rep++) {
  const uids = Array.from({ length: n }, (_, i) => `floor-${rep}-${Date.now().toString(36)}-${i}`);
  const cpu0 = { me: process.cpuUsage(), temporal: processUsage(temporalPid)?.cpuSeconds ?? NaN };
  const t0 = Date.now();
  const handles = await pool(uids, 64, (uid) =>
    client.workflow.start('floorWorkflow', {
      taskQueue,
      workflowId: `bench-floor/${uid}`,
      args: [uid, calls],
    }),
  );
  await Promise.all(handles.map((h) => h.result()));
  const wallS = seconds(Date.now() - t0);
  const me = process.cpuUsage(cpu0.me);
  rows.push({
    wallS,
    workerCpuS: seconds((me.user + me.system) / 1000),
    temporalCpuS: Math.round(((processUsage(temporalPid)?.cpuSeconds ?? NaN) - cpu0.temporal) * 100) / 100,
  });
  walls.push(wallS);
  console.log(`rep ${rep + 1}/${reps}: ${n} workflows × ${calls} activities: ${JSON.stringify(rows.at(-1))}`);
  await pool(uids, 16, (uid) => grafana.delete(`/api/datasources/uid/${uid}`).catch(() => undefined));
}
const s = summarize(walls);
const out = { at: new Date().toISOString(), n, activitiesPerWorkflow: calls, wallS: s, runs: rows };
console.log(`all ${n} done: min ${s.min} s / median ${s.median} s / max ${s.max} s`);
const file = path.join(
  'bench',
  'results',
  `${out.at.replace(/[:.]/g, '-').slice(0, 19)}Z-temporal-floor-n${n}-a${calls}.json`,
);
fs.writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
console.log(`results: ${file}`);
worker.shutdown();
await running;
