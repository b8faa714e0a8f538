// The Temporal dev server's workflow-start rate on this machine, which bounds
// P6's first start (one start per stack): N starts of the stack workflow with
// the product's start options (input with a full spec, search attributes,
// summary) at concurrency C from one client, no worker; rounds alternate
// without and with StackDesired. Started workflows are terminated at the end.
// Usage (after `npm run dev -- up`; reads .stackwright/env):
//   npx tsx bench/start-rate.ts [N=2000] [concurrency=64] [rounds=3]
import { Client, Connection } from '@temporalio/client';
import { desiredAttribute, SA } from '../domain/search-attributes.js';
import { loadBenchEnvOrExit } from './lib/env.js';
import { pool } from './lib/clock.js';
import { fullStackSpec } from './lib/stack-specs.js';
import { BenchTemporal } from './lib/temporal.js';

const args = process.argv.slice(2);
if (args.length > 3 || !args.every((a) => /^[1-9][0-9]*$/.test(a))) {
  console.error(
    'usage: npx tsx bench/start-rate.ts [N=2000] [concurrency=64] [rounds=3] (positive integers)',
  );
  process.exit(2);
}
const [n = 2000, conc = 64, rounds = 3] = args.map(Number);
const env = loadBenchEnvOrExit();
const client = new Client({
  connection: await Connection.connect({ address: env.vars.TEMPORAL_ADDRESS }),
  namespace: env.vars.TEMPORAL_NAMESPACE,
});
const spec = fullStackSpec(env);
// A cluster name of its own: terminated below as stack/<cluster>/bench-start-rate/…
const cluster = `rate${Date.now().toString(36)}`;
const namespace = 'bench-start-rate';
try {
  for (let r = 0; r < rounds; r++) {
    for (const withDesired of [false, true]) {
      const names = Array.from({ length: n }, (_, i) => `r${r}${withDesired ? 'd' : 'n'}-${i}`);
      const t0 = Date.now();
      await pool(names, conc, async (name) => {
        const ref = { cluster, namespace, name, uid: `uid-${name}` };
        await client.workflow.start('stackWorkflow', {
          workflowId: `stack/${cluster}/${namespace}/${name}`,
          taskQueue: `${cluster}-nobody`,
          args: [{ ref, desired: { generation: 1, spec } }],
          typedSearchAttributes: [
            { key: SA.cluster, value: cluster },
            { key: SA.namespace, value: namespace },
            { key: SA.name, value: name },
            { key: SA.phase, value: 'Pending' },
            ...(withDesired ? [desiredAttribute(ref.uid, 1)] : []),
          ],
          staticSummary: `MonitoringStack ${namespace}/${name} in cluster ${cluster}`,
        });
      });
      const s = (Date.now() - t0) / 1000;
      console.log(
        `round ${r + 1}, ${withDesired ? 'with StackDesired   ' : 'without StackDesired'}: ${n} starts in ${s} s = ${Math.round(n / s)}/s`,
      );
    }
  }
} finally {
  const temporal = await BenchTemporal.connect(env);
  await temporal.terminateNamespace(cluster, namespace, 900_000);
  await temporal.close();
}
process.exit(0);
