import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { runCli } from '../support/cli.js';

// A fresh machine without a prerequisite: `npm start` and `dev up` say what to
// install and exit 3 (README), before starting anything. Each run gets its own
// state dir, so the running local stack is never touched.
const dirs: string[] = [];
const tmp = (p: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), p));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A PATH holding only the named commands (node is this one). */
const pathWith = (...cmds: string[]): string => {
  const bin = tmp('sw-bin-');
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  for (const c of cmds) {
    const found = (process.env.PATH ?? '')
      .split(path.delimiter)
      .map((d) => path.join(d, c))
      .find((f) => fs.existsSync(f));
    if (!found) throw new Error(`${c} is not on PATH`);
    fs.symlinkSync(found, path.join(bin, c));
  }
  return bin;
};

describe('missing prerequisites exit 3 with the fix', () => {
  it.each([
    ['start', '--once'],
    ['dev', 'up'],
  ])('no Go: %s %s', async (...args) => {
    const PATH = pathWith('bash', 'dirname', 'openssl');
    const r = await runCli(args, { PATH, STACKWRIGHT_STATE_DIR: tmp('sw-nogo-') });
    expect(r.stderr).toMatch(/Go is not installed.*\n.*Install Go >= 1\.25/);
    expect(r.code).toBe(3);
  });

  it('no openssl: start --once', async () => {
    const PATH = pathWith('bash', 'dirname', 'go');
    const r = await runCli(['start', '--once'], { PATH, STACKWRIGHT_STATE_DIR: tmp('sw-nossl-') });
    expect(r.stderr).toMatch(/openssl is not installed.*apt-get install -y openssl/);
    expect(r.code).toBe(3);
  });
});
