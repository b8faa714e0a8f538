import { describe, expect, it } from '@jest/globals';
import { fnv1a32, fnv1a64 } from '../../domain/fnv.js';

// Published FNV-1a test vectors: names and uids derived from these hashes must never change.
describe('FNV-1a', () => {
  it('32-bit matches the reference vectors', () => {
    expect(fnv1a32('')).toBe('811c9dc5');
    expect(fnv1a32('a')).toBe('e40c292c');
    expect(fnv1a32('foobar')).toBe('bf9cf968');
  });

  it('64-bit matches the reference vectors; a seed gives another hash', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
    expect(fnv1a64('a', 0x5eedn)).not.toBe(fnv1a64('a'));
  });
});
