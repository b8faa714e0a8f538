import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { repoRoot } from '../../devstack/paths.js';

const script = path.join(repoRoot, 'scripts', 'build-tools.sh');
const run = (args: string[], env: Record<string, string>) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      'bash',
      [script, ...args],
      { env: { ...process.env, ...env }, timeout: 300_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

describe('build cache (scripts/build-tools.sh)', () => {
  it('a corrupt cache entry is detected, rebuilt and then trusted', async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-cache-'));
    // etcd is the quickest component to rebuild (Go's build cache is warm here).
    const first = await run(['etcd'], { STACKWRIGHT_CACHE: cache });
    expect(first.code).toBe(0);
    const dir = first.stdout
      .trim()
      .split('\n')
      .at(-1)!
      .replace(/^etcd=/, '');
    expect((await run(['--check', 'etcd'], { STACKWRIGHT_CACHE: cache })).code).toBe(0);

    fs.truncateSync(path.join(dir, 'etcd'), 1024); // a build cut short
    expect((await run(['--check', 'etcd'], { STACKWRIGHT_CACHE: cache })).code).toBe(1);
    const rebuilt = await run(['etcd'], { STACKWRIGHT_CACHE: cache });
    expect(rebuilt.stderr).toContain('incomplete or corrupt; rebuilding');
    expect(rebuilt.code).toBe(0);
    expect(fs.statSync(path.join(dir, 'etcd')).size).toBeGreaterThan(10_000_000);
    fs.rmSync(cache, { recursive: true, force: true });
  }, 300_000);

  it('missing Go: a clear message with the fix and exit code 3, no hang', async () => {
    const r = await run(['etcd'], { PATH: '/usr/bin:/bin' });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/Go is not installed.*\n.*Install Go/);
  });

  it('an unknown component is refused', async () => {
    const r = await run(['nonsense'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown component 'nonsense'");
  });
});
