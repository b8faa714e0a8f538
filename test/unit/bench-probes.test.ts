import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../../devstack/paths.js';

// The bench's command-line probes refuse bad arguments with their usage and exit 2, before
// touching the local stack (so this needs none).
const probe = (script: string, args: string[]) =>
  spawnSync(
    path.join(repoRoot, 'node_modules', '.bin', 'tsx'),
    [path.join(repoRoot, 'bench', script), ...args],
    {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
    },
  );

describe('bench probes: bad arguments', () => {
  it.each(['x', '0', '100 -1', '1 2 3 4', '2.5'])(
    "start-rate.ts '%s': usage, exit 2",
    (args) => {
      const r = probe('start-rate.ts', args.split(' '));
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^usage: npx tsx bench\/start-rate\.ts/);
    },
    60_000,
  );

  it('task-waits.ts without a namespace: usage, exit 2', () => {
    const r = probe('task-waits.ts', []);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^usage: npx tsx bench\/task-waits\.ts/);
  }, 60_000);
});
