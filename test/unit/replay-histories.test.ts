import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { repoRoot } from '../../devstack/paths.js';
import { bundlerOptions } from '../../worker/bundle-options.js';
import { workflowsPath } from '../../worker/workers.js';

// Histories recorded from real runs (scripts/record-histories.ts). Replaying
// them against today's workflow code needs no server: a change that would break
// runs already in flight fails here in seconds (guard it with `patched`).
const dir = path.join(repoRoot, 'test', 'fixtures', 'histories');
const recorded = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ workflowId: f, json: JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as unknown }));

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // Already installed in this process.
}

const quietLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
let bundle: Promise<{ code: string }> | undefined;
const replayOptions = async () => {
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  bundle ??= bundleWorkflowCode({ workflowsPath, ...bundlerOptions, logger: quietLogger });
  return { workflowBundle: await bundle };
};

async function replay(histories: { workflowId: string; json: unknown }[]) {
  const results = [];
  for await (const r of Worker.runReplayHistories(
    await replayOptions(),
    histories.map((h) => ({ workflowId: h.workflowId, history: historyFromJSON(h.json) })),
  ))
    results.push(r);
  return results;
}

describe('the workflow bundle', () => {
  // Every cached workflow evaluates its own copy of each module in the bundle:
  // zod and the CRD schemas cost about 1.7 MB and a third of the workflow
  // thread's CPU per stack (bench P4). Schemas run where input comes in.
  it('holds no zod and no CRD schema module', async () => {
    const { code } = (await replayOptions()).workflowBundle;
    const modules = [...code.matchAll(/^\/\*\*\*\/ "([^"]+)"/gm)].map((m) => m[1] ?? '');
    expect(modules.length).toBeGreaterThan(20);
    expect(
      modules.filter((m) =>
        /node_modules\/zod\/|\/crd\/(spec|prometheus|exposure|grafana|primitives|status)\.ts$|\/domain\/stack-options\.ts$/.test(
          m,
        ),
      ),
    ).toEqual([]);
  }, 60_000);
});

describe('recorded workflow histories', () => {
  it('are there: stack, provision, teardown, drift (before and after the lean saga, StatefulSet and External; External inline; the quiet provision child) and the Grafana sweep', () => {
    expect(recorded.map((r) => r.workflowId).sort()).toEqual([
      'drift-external-lean.json',
      'drift-lean.json',
      'drift.json',
      'grafana-sweep.json',
      'provision-external-lean.json',
      'provision-lean.json',
      'provision-quiet.json',
      'provision.json',
      'stack-external-inline.json',
      'stack-external-lean.json',
      'stack-lean.json',
      'stack-quiet.json',
      'stack.json',
      'teardown-external-lean.json',
      'teardown-lean.json',
      'teardown.json',
    ]);
  });

  it('replay against the current workflow code without non-determinism', async () => {
    const results = await replay(recorded);
    expect(results.map((r) => [r.workflowId, r.error?.message])).toEqual(
      recorded.map((r) => [r.workflowId, undefined]),
    );
  }, 120_000);

  it('a history the code would not produce fails the replay (the check can fail)', async () => {
    const provision = recorded.find((r) => r.workflowId === 'provision.json')!;
    const text = JSON.stringify(provision.json);
    // The saga's first activity, renamed: the code schedules a different one.
    const tampered = text.replace('"name":"patchStackStatus"', '"name":"notAnActivity"');
    expect(tampered).not.toBe(text);
    const [r] = await replay([{ workflowId: 'tampered', json: JSON.parse(tampered) }]);
    expect(String(r?.error)).toMatch(/nondetermin/i);
  }, 120_000);

  it('carry no credential: tokens are resolved by the activities, never passed in', () => {
    for (const r of recorded)
      expect(JSON.stringify(r.json)).not.toMatch(/glsa_|Bearer |Basic [A-Za-z0-9+/=]{8}/);
  });
});
