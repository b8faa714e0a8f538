// Bundles the workflow code once, at build time, so workers start without
// webpack (STACKWRIGHT_WORKFLOW_BUNDLE=dist/workflow-bundle.js).
//   npx tsx scripts/build-workflow-bundle.ts [out]   from the TypeScript sources
//   node dist/scripts/build-workflow-bundle.js [out] from the compiled dist/ (the container image)
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { repoRoot } from '../devstack/paths.js';
import { bundlerOptions } from '../worker/bundle-options.js';
import { workflowsPath } from '../worker/workers.js';

const out = path.resolve(process.argv[2] ?? path.join(repoRoot, 'dist', 'workflow-bundle.js'));
try {
  // webpack's stats go to the logger at INFO: keep only warnings and errors.
  const logger = new DefaultLogger('WARN');
  const { code } = await bundleWorkflowCode({ workflowsPath, ...bundlerOptions, logger });
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, code);
  process.stdout.write(`wrote ${out} (${Math.round(code.length / 1024)} KiB) from ${workflowsPath}\n`);
} catch (e) {
  process.stderr.write(`build-workflow-bundle: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
