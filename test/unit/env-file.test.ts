import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { readEnvFile, writeEnvFile } from '../../devstack/env-file.js';

describe('env file', () => {
  it('round-trips values with quotes and spaces, and is sourceable', () => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sw-env-')), 'env');
    const vars = { A: "it's a value", B: 'x y=z', C: '' };
    writeEnvFile(f, vars);
    expect(readEnvFile(f)).toEqual(vars);
    expect(fs.statSync(f).mode & 0o777).toBe(0o600);
  });
  it('ignores junk lines and a missing file', () => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sw-env-')), 'env');
    fs.writeFileSync(f, "garbage\nexport OK='1'\nlower='no'\n");
    expect(readEnvFile(f)).toEqual({ OK: '1' });
    expect(readEnvFile(f + '.missing')).toEqual({});
  });
});
