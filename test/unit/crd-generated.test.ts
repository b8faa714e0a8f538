import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { monitoringStackCrd } from '../../crd/index.js';
import { chartCrdFile, crdFile, renderCrdYaml } from '../../scripts/gen-crd.js';

describe('deploy/crd/monitoringstacks.stackwright.dev.yaml', () => {
  it('is up to date with the zod schemas (else run `npx tsx scripts/gen-crd.ts`)', () => {
    expect(readFileSync(crdFile, 'utf8')).toBe(renderCrdYaml());
  });

  it('is the one the Helm chart ships (deploy/helm/stackwright/crds/)', () => {
    expect(readFileSync(chartCrdFile, 'utf8')).toBe(readFileSync(crdFile, 'utf8'));
  });

  it('round-trips to the manifest object', () => {
    expect(parse(renderCrdYaml())).toEqual(monitoringStackCrd());
  });
});
