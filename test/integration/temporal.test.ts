import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { bundlerOptions } from '../../worker/bundle-options.js';
import { TEMPORAL_SEARCH_ATTRIBUTES } from '../../devstack/components.js';
import { createSmokeActivities } from '../fixtures/smoke-activities.js';
import { requireEnv } from '../support/env.js';

const address = requireEnv('TEMPORAL_ADDRESS');
let connection: Connection;

beforeAll(async () => {
  connection = await Connection.connect({ address });
});
afterAll(async () => {
  await connection?.close();
});

describe('Temporal dev server (real)', () => {
  it('runs a workflow with an activity on a real worker', async () => {
    const taskQueue = `smoke-${randomUUID()}`;
    const nativeConnection = await NativeConnection.connect({ address });
    try {
      const worker = await Worker.create({
        connection: nativeConnection,
        taskQueue,
        workflowsPath: fileURLToPath(new URL('../fixtures/smoke-workflows.ts', import.meta.url)),
        activities: createSmokeActivities(),
        bundlerOptions,
      });
      const client = new Client({ connection });
      const result = await worker.runUntil(
        client.workflow.execute('smokeWorkflow', {
          taskQueue,
          workflowId: `smoke/${randomUUID()}`,
          args: ['stackwright'],
        }),
      );
      expect(result).toBe('hello, STACKWRIGHT');
    } finally {
      await nativeConnection.close();
    }
  }, 120_000);

  it('has the project search attributes registered', async () => {
    const res = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    for (const name of Object.keys(TEMPORAL_SEARCH_ATTRIBUTES)) {
      expect(Object.keys(res.customAttributes)).toContain(name);
    }
  });

  it('serves the Web UI on 8233', async () => {
    const res = await fetch(requireEnv('TEMPORAL_UI_URL'));
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<html/i);
  });
});
