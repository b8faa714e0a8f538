import { describe, expect, it } from '@jest/globals';
import { MockActivityEnvironment } from '@temporalio/testing';
import { heartbeating } from '../../activities/heartbeat.js';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TIMEOUT_MS } from '../../domain/heartbeat.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('activity heartbeats', () => {
  it('beat at once and then every interval while the activity runs, and stop when it ends', async () => {
    const acts = heartbeating({
      async slow(ms: number) {
        await sleep(ms);
        return 'done';
      },
    });
    const env = new MockActivityEnvironment();
    let beats = 0;
    env.on('heartbeat', () => beats++);
    await expect(env.run(acts.slow, 2.5 * HEARTBEAT_INTERVAL_MS)).resolves.toBe('done');
    expect(beats).toBe(3); // at 0, 1 and 2 intervals
    await sleep(1.5 * HEARTBEAT_INTERVAL_MS);
    expect(beats).toBe(3);
  });

  it('stop beating when the activity fails, and pass the failure on', async () => {
    const acts = heartbeating({
      async broken(): Promise<never> {
        await sleep(10);
        throw new Error('boom');
      },
    });
    const env = new MockActivityEnvironment();
    let beats = 0;
    env.on('heartbeat', () => beats++);
    await expect(env.run(acts.broken)).rejects.toThrow('boom');
    await sleep(1.5 * HEARTBEAT_INTERVAL_MS);
    expect(beats).toBe(1);
  });

  it('called outside an activity, it just runs', async () => {
    const acts = heartbeating({ echo: async (s: string) => s });
    await expect(acts.echo('x')).resolves.toBe('x');
  });

  it('beat often enough for the heartbeat timeout the proxies set', () => {
    expect(HEARTBEAT_INTERVAL_MS * 3).toBeLessThanOrEqual(HEARTBEAT_TIMEOUT_MS);
  });
});
