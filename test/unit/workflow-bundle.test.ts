import { describe, expect, it } from '@jest/globals';
import { bundleWorkflowCode } from '@temporalio/worker';
import { bundlerOptions } from '../../worker/bundle-options.js';
import { workflowsPath } from '../../worker/workers.js';

const quietLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

interface SourceMap {
  sources: string[];
  mappings: string;
  sourcesContent?: unknown[];
}

// The SDK requires the map inline as a base64 data URL (it throws otherwise).
function inlineMap(code: string): SourceMap {
  const at = code.lastIndexOf('//# sourceMappingURL=data:application/json');
  expect(at).toBeGreaterThan(0);
  const b64 = code.slice(code.indexOf('base64,', at) + 'base64,'.length).trimEnd();
  return JSON.parse(Buffer.from(b64, 'base64').toString()) as SourceMap;
}

describe('workflow bundle', () => {
  it('keeps an inline source map of our files, without their sources', async () => {
    const { code } = await bundleWorkflowCode({ workflowsPath, ...bundlerOptions, logger: quietLogger });
    const map = inlineMap(code);
    expect(map.sources.some((s) => s.endsWith('/workflows/provision.ts'))).toBe(true);
    expect(map.mappings.length).toBeGreaterThan(1000);
    // sourcesContent is only read for showStackTraceSources; each worker would hold it.
    expect((map.sourcesContent ?? []).filter((c) => c != null)).toEqual([]);
    expect(code.length).toBeLessThan(1400 * 1024);
  }, 60_000);
});
