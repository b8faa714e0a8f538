import { describe, expect, it } from '@jest/globals';
import { runOperator, type OperatorParts } from '../../cli/operator.js';

/** A part that runs until the operator stops it (and records that it was stopped). */
const untilStopped = (stopped: string[], name: string) => (_env: NodeJS.ProcessEnv, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    signal.addEventListener('abort', () => (stopped.push(name), resolve()), { once: true });
  });

describe('stackwright operator (worker and watcher in one process)', () => {
  it('a worker that dies stops the watcher and fails the operator (non-zero exit)', async () => {
    const stopped: string[] = [];
    const parts: OperatorParts = {
      worker: async () => {
        await new Promise((r) => setTimeout(r, 20));
        throw new Error('cannot connect to Temporal');
      },
      watcher: untilStopped(stopped, 'watcher'),
    };
    await expect(runOperator({}, parts)).rejects.toThrow('the worker failed: cannot connect to Temporal');
    expect(stopped).toEqual(['watcher']);
  });

  it('a watcher that dies stops the worker', async () => {
    const stopped: string[] = [];
    const parts: OperatorParts = {
      worker: untilStopped(stopped, 'worker'),
      watcher: () => Promise.reject(new Error('KUBECONFIG: no such file')),
    };
    await expect(runOperator({}, parts)).rejects.toThrow('the watcher failed: KUBECONFIG: no such file');
    expect(stopped).toEqual(['worker']);
  });

  it('a part that returns without being asked to stop is a failure too', async () => {
    const stopped: string[] = [];
    const parts: OperatorParts = { worker: async () => undefined, watcher: untilStopped(stopped, 'watcher') };
    await expect(runOperator({}, parts)).rejects.toThrow('the worker stopped unexpectedly');
    expect(stopped).toEqual(['watcher']);
  });

  it('SIGTERM stops both cleanly', async () => {
    const stopped: string[] = [];
    const parts: OperatorParts = {
      // As the worker's runtime does on SIGTERM: finish, then return.
      worker: () => new Promise<void>((resolve) => process.once('SIGTERM', () => resolve())),
      watcher: untilStopped(stopped, 'watcher'),
    };
    const run = runOperator({ STACKWRIGHT_CLUSTER: 'x' }, parts);
    await new Promise((r) => setTimeout(r, 20));
    process.emit('SIGTERM');
    await expect(run).resolves.toBeUndefined();
    expect(stopped).toEqual(['watcher']);
  });
});
