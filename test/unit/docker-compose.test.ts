import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import YAML from 'yaml';
import { z } from 'zod';
import { TEMPORAL_SEARCH_ATTRIBUTES } from '../../devstack/components.js';
import { repoRoot } from '../../devstack/paths.js';

// Docker cannot run here, so the file is checked for what users rely on: valid
// YAML in Compose's shape, pinned images, loopback-only ports, and the same
// search attributes as the local stack.
const Service = z.object({
  image: z.string().regex(/:[\w.-]+$/, 'images are pinned to a tag'),
  ports: z.array(z.string().startsWith('127.0.0.1:')).optional(),
  environment: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});
const Compose = z.object({
  name: z.string(),
  services: z.record(z.string(), Service.loose()),
  volumes: z.record(z.string(), z.null()).optional(),
});

describe('docker-compose.yml', () => {
  const compose = Compose.parse(
    YAML.parse(fs.readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8')),
  );

  it('runs the real Temporal (server + UI), Grafana and Prometheus on the documented ports', () => {
    const ports = Object.values(compose.services).flatMap((s) => s.ports ?? []);
    expect(ports).toEqual(
      expect.arrayContaining([
        '127.0.0.1:7233:7233',
        '127.0.0.1:8233:8080',
        '127.0.0.1:3000:3000',
        '127.0.0.1:9090:9090',
      ]),
    );
    expect(compose.services.grafana?.image).toMatch(/^grafana\/grafana-oss:/);
    expect(compose.services.temporal?.image).toMatch(/^temporalio\//);
  });

  it('registers the same search attributes as the local stack', () => {
    const setup = JSON.stringify(compose.services['temporal-setup']);
    for (const [name, type] of Object.entries(TEMPORAL_SEARCH_ATTRIBUTES))
      expect(setup).toContain(`--name ${name} --type ${type}`);
  });

  it('mounts only files that exist in the repo', () => {
    for (const s of Object.values(compose.services)) {
      for (const v of (s as { volumes?: string[] }).volumes ?? []) {
        if (v.startsWith('./')) expect(fs.existsSync(path.join(repoRoot, v.split(':')[0]!))).toBe(true);
      }
    }
  });
});
