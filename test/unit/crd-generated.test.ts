import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { monitoringStackCrd } from '../../crd/index.js';
import { crdFile, renderCrdYaml } from '../../scripts/gen-crd.js';

describe('deploy/crd/monitoringstacks.stackwright.dev.yaml', () => {
  it('is up to date with the zod schemas (else run `npx tsx scripts/gen-crd.ts`)', () => {
    expect(readFileSync(crdFile, 'utf8')).toBe(renderCrdYaml());
  });

  it('round-trips to the manifest object', () => {
    expect(parse(renderCrdYaml())).toEqual(monitoringStackCrd());
  });
});
