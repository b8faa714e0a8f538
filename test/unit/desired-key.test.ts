import { describe, expect, it } from '@jest/globals';
import { desiredKey, parseDesiredKey } from '../../domain/search-attributes.js';

// StackDesired comes back from Temporal's visibility: anything that is not `<uid>/<generation>`
// is ignored (that stack is handed over as if unlisted), never trusted.
describe('StackDesired values', () => {
  it('round-trips a CR uid and generation', () => {
    const uid = '6f1c2d9e-3b1a-4c55-9a0e-0d2f5b7c8a11';
    expect(parseDesiredKey(desiredKey(uid, 7))).toEqual({ uid, generation: 7 });
  });

  it.each([undefined, '', 'garbage', '/3', 'uid/', 'uid/x', 'uid/-1', 'uid/1.5', 'uid/99999999999999999999'])(
    '%p: not a value',
    (v) => {
      expect(parseDesiredKey(v)).toBeUndefined();
    },
  );
});
