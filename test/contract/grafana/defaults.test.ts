import { describe, expect, it } from '@jest/globals';
import type { Cleanup } from './helpers.js';
import { useContractTarget, type CreatedDs } from './helpers.js';
import { type ContractTarget } from './target.js';

/**
 * isDefault rules. Against a shared Grafana these tests put the previous
 * default back afterwards (a read-only default cannot be restored, so the
 * clearing test is skipped there rather than leave the org without one).
 */
describe('Grafana contract: default data source', () => {
  let target: ContractTarget;
  let cleanup: Cleanup;
  useContractTarget((t, c) => ((target = t), (cleanup = c)));

  const list = async () => (await target.api.get('/api/datasources')).data as CreatedDs[];
  const full = async (uid: string) => (await target.api.get(`/api/datasources/uid/${uid}`)).data as CreatedDs;

  /** Re-marks `previous` as default by PUTting its own DTO back (secrets are kept when omitted). */
  const restore = async (previous: CreatedDs | undefined) => {
    if (!previous) return;
    const dto = await full(previous.uid);
    const res = await target.api.put(`/api/datasources/uid/${previous.uid}`, { ...dto, isDefault: true });
    expect(res.status).toBe(200);
  };

  it('makes the org’s first data source the default even when isDefault is false', async () => {
    const before = await list();
    const first = await cleanup.createDs({ isDefault: false });
    const second = await cleanup.createDs({ isDefault: false });
    // Only an empty org shows the first-default rule; otherwise a non-default stays non-default.
    expect(first.isDefault).toBe(before.length === 0);
    expect(second.isDefault).toBe(false);
    expect((await full(second.uid)).isDefault).toBe(false);
  });

  it('isDefault=true (create or update) clears the flag on every other data source', async () => {
    const previous = (await list()).find((d) => d.isDefault);
    if (previous && (previous as { readOnly?: boolean }).readOnly) {
      console.warn('skipped: the current default data source is read-only and could not be restored');
      return;
    }
    try {
      const a = await cleanup.createDs({ isDefault: true });
      expect(a.isDefault).toBe(true);
      const b = await cleanup.createDs({ isDefault: true });
      expect(b.isDefault).toBe(true);
      expect((await full(a.uid)).isDefault).toBe(false);
      expect((await list()).filter((d) => d.isDefault).map((d) => d.uid)).toEqual([b.uid]);

      const back = await target.api.put(`/api/datasources/uid/${a.uid}`, {
        ...(await full(a.uid)),
        isDefault: true,
      });
      expect(back.status).toBe(200);
      expect((await full(b.uid)).isDefault).toBe(false);
    } finally {
      await cleanup.run();
      await restore(previous);
    }
  });
});
