import { describe, expect, it } from '@jest/globals';
import { readinessWaitMs } from '../../workflows/provision.js';

// One readiness watch round: at most 20 s, never past the deadline, and a quiet
// saga's first round leaves half the time left for it to be seen waiting.
describe('readinessWaitMs', () => {
  it('waits the full round when the deadline is far', () => {
    expect(readinessWaitMs(10 * 60_000, false)).toBe(20_000);
    expect(readinessWaitMs(10 * 60_000, true)).toBe(20_000);
  });
  it('does not run past the deadline', () => {
    expect(readinessWaitMs(7_500, false)).toBe(7_500);
  });
  it("halves a quiet saga's first round when the deadline is near", () => {
    expect(readinessWaitMs(20_000, true)).toBe(10_000);
    expect(readinessWaitMs(15_001, true)).toBe(7_500);
  });
  it('waits at least a second, even at or past the deadline', () => {
    expect(readinessWaitMs(0, false)).toBe(1_000);
    expect(readinessWaitMs(-5_000, true)).toBe(1_000);
  });
});
