// Records the histories of one finished stack workflow and its children as
// replay fixtures (test/fixtures/histories/<kind>.json), for the determinism
// test. Usage: npx tsx scripts/record-histories.ts 'stack/<cluster>/<namespace>/<name>' [suffix]
// A suffix (e.g. `lean`) writes <kind>-<suffix>.json beside the older fixtures,
// which must keep replaying too.
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { repoRoot } from '../devstack/paths.js';

const id = process.argv[2];
const suffix = process.argv[3];
if (!id?.startsWith('stack/') || (suffix !== undefined && !/^[a-z0-9-]+$/.test(suffix))) {
  console.error("usage: record-histories.ts 'stack/<cluster>/<namespace>/<name>' [suffix: a-z, 0-9, -]");
  process.exit(2);
}
const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
const client = new Client({ connection });
const dir = path.join(repoRoot, 'test', 'fixtures', 'histories');
fs.mkdirSync(dir, { recursive: true });
const seen = new Set<string>();
for await (const wf of client.workflow.list({
  query: `WorkflowId = "${id}" OR WorkflowId STARTS_WITH "${id}/"`,
})) {
  if (wf.status.name === 'RUNNING') continue;
  // One fixture per workflow type: stack, provision, teardown, drift.
  const kind = wf.workflowId === id ? 'stack' : (wf.workflowId.slice(id.length + 1).split('/')[0] ?? 'child');
  if (seen.has(kind)) continue;
  seen.add(kind);
  const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
  fs.writeFileSync(path.join(dir, `${suffix ? `${kind}-${suffix}` : kind}.json`), historyToJSON(history));
  console.log(`${kind}: ${wf.workflowId} (${history.events?.length ?? 0} events)`);
}
await connection.close();
